/**
 * Build step (`npm run build`, the Dockerfile): compiles the sandbox's C helpers into
 * dist/worker/sandbox/bwrap/native, where the compiled runner looks first (helper.ts).
 * `tsx worker/sandbox/bwrap/build-native.ts [OUT_DIR]`
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileNative } from './helper';

async function main() {
  const out = path.resolve(process.argv[2] ?? path.join('dist', 'worker', 'sandbox', 'bwrap', 'native'));
  fs.mkdirSync(out, { recursive: true, mode: 0o755 });
  const built = await compileNative(out);
  process.stdout.write(`sandbox helpers: ${built.file}, ${built.seccomp}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
