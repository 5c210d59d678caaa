import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HELPER_SOURCE } from './helper-source';

const run = promisify(execFile);

/** Where a C compiler may be on the host; the helper is our code, so it is built outside the sandbox. */
const CC_CANDIDATES = ['/usr/bin/cc', '/usr/bin/gcc', '/usr/bin/clang'];

export interface BuiltHelper {
  /** directory holding `gema-run`, bound read-only into every sandbox */
  dir: string;
  file: string;
}

/**
 * Builds `gema-run` into a fresh private directory (mkdtemp: nobody can plant a binary there
 * first) readable by the sandbox user. Takes ~100 ms once per worker process.
 */
export async function buildHelper(): Promise<BuiltHelper> {
  let cc: string | undefined;
  for (const candidate of CC_CANDIDATES) {
    if (await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false)) {
      cc = candidate;
      break;
    }
  }
  if (!cc) throw new Error('no C compiler (cc/gcc/clang) to build the sandbox helper');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gema-sandbox-helper-'));
  await fs.chmod(dir, 0o755);
  const source = path.join(dir, 'gema-run.c');
  const file = path.join(dir, 'gema-run');
  await fs.writeFile(source, HELPER_SOURCE, { mode: 0o644 });
  await run(cc, ['-O2', '-Wall', '-o', file, source], { timeout: 30_000 });
  await fs.chmod(file, 0o755);
  return { dir, file };
}
