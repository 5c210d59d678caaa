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
/** Leftovers of a worker that was killed before it could dispose its programs: older than this, nobody uses them. */
const STALE_MS = 6 * 3600 * 1000;

/** Removes sandbox directories a crashed worker left in the temp directory. Never follows links (fs.rm). */
export async function sweepStale(now = Date.now()): Promise<number> {
  const tmp = os.tmpdir();
  let removed = 0;
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    if (!/^gema-(box|sandbox-helper)-/.test(name)) continue;
    const full = path.join(tmp, name);
    const stat = await fs.lstat(full).catch(() => undefined);
    if (!stat?.isDirectory() || now - stat.mtimeMs < STALE_MS) continue;
    await fs.rm(full, { recursive: true, force: true }).catch(() => undefined);
    removed++;
  }
  return removed;
}

export async function buildHelper(): Promise<BuiltHelper> {
  await sweepStale();
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
