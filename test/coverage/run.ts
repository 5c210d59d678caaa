import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { filterDirectory } from './drop-generated-code';

/**
 * `npm test`'s last step and `npm run coverage`: mocha over the whole suite with V8 coverage on (the
 * Node processes the specs start inherit it), then the compiler-generated code taken out of the raw
 * coverage (./drop-generated-code.ts), then c8's report and thresholds (.c8rc.json). Extra arguments
 * go to `c8 report` (e.g. `--reporter=text`). Exits non-zero when the suite fails or coverage is below
 * the thresholds. README.md#tests (Coverage).
 */
const root = path.join(__dirname, '../..');
const c8rc = JSON.parse(fs.readFileSync(path.join(root, '.c8rc.json'), 'utf8')) as { 'temp-directory': string };
const raw = path.join(root, c8rc['temp-directory']);
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

fs.rmSync(raw, { recursive: true, force: true });
fs.mkdirSync(raw, { recursive: true });
const suite = spawnSync(bin('mocha'), ['test/**/*.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_V8_COVERAGE: raw },
});
const { files, dropped } = filterDirectory(raw);
console.log(`\ncoverage: ${dropped} compiler-generated functions and blocks left out, from ${files} coverage files`);
const report = spawnSync(bin('c8'), ['report', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exitCode = suite.status !== 0 ? (suite.status ?? 1) : (report.status ?? 1);
