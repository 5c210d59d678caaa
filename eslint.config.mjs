// ESLint (flat config): the recommended JavaScript and typescript-eslint rules, plus the few type-aware
// rules that catch real bugs in async code (a promise nobody awaits, a promise where a value is due).
// Formatting is Prettier's job (`prettier --check` in `npm run lint`), so no style rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'var/', 'node_modules/', 'bench/results/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Express 5 forwards a rejected handler's error to the error handler, so async handlers are fine
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, properties: false } }],
      '@typescript-eslint/await-thenable': 'error',
      // `_name` marks a parameter kept for its position (the compiler's noUnusedParameters agrees)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `interface User extends AuthUser {}` is how a global type (Express.User) is merged with ours
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // chai's property assertions (`expect(x).to.be.true`) are expressions by design
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
    // CommonJS loads with require(): these files run before (or without) the TypeScript build
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
