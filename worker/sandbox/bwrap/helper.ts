import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a C compiler may be on the host; the helpers are our code, so they are built outside the sandbox. */
export const CC_CANDIDATES = ['/usr/bin/cc', '/usr/bin/gcc', '/usr/bin/clang'];

/** the C sources beside this file (helper.c: the supervisor; seccomp.c: writes the filter) */
const SOURCES = { helper: path.join(__dirname, 'helper.c'), seccomp: path.join(__dirname, 'seccomp.c') };
/** what `npm run build` leaves beside the compiled helper.js (see build-native.ts) */
export const PREBUILT_DIR = path.join(__dirname, 'native');

export interface BuiltHelper {
  /** directory holding `gema-run` and `seccomp.bpf` */
  dir: string;
  /** the supervisor, run by the worker outside the sandbox */
  file: string;
  /** the BPF filter bubblewrap loads with --seccomp */
  seccomp: string;
  /** true when built at first use into a temporary directory (removed on close) */
  temporary: boolean;
}

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

async function findCc(): Promise<string> {
  for (const candidate of CC_CANDIDATES) {
    if (
      await fs.access(candidate, fs.constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new Error('no C compiler (cc/gcc/clang) to build the sandbox helper');
}

/**
 * Compiles `gema-run` and `gema-seccomp` into `dir` and writes the filter (`seccomp.bpf`). The
 * build (`npm run build`, the Dockerfile) calls this once; a checkout run through tsx (tests, dev)
 * calls it at first use instead. Needs a C compiler and libseccomp-dev.
 */
export async function compileNative(dir: string): Promise<{ file: string; seccomp: string }> {
  const cc = await findCc();
  const file = path.join(dir, 'gema-run');
  const generator = path.join(dir, 'gema-seccomp');
  const seccomp = path.join(dir, 'seccomp.bpf');
  await run(cc, ['-O2', '-Wall', '-Wextra', '-o', file, SOURCES.helper], { timeout: 60_000 });
  try {
    await run(cc, ['-O2', '-Wall', '-Wextra', '-o', generator, SOURCES.seccomp, '-lseccomp'], { timeout: 60_000 });
  } catch (err) {
    throw new Error(`cannot build the seccomp filter (install libseccomp-dev): ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`, {
      cause: err,
    });
  }
  await run(generator, [seccomp], { timeout: 10_000 });
  await Promise.all([fs.chmod(file, 0o755), fs.chmod(seccomp, 0o644)]);
  return { file, seccomp };
}

/** the header libseccomp-dev installs; without it (and without a build's output) no filter can be made */
const SECCOMP_HEADER = '/usr/include/seccomp.h';

/** Why the helpers can neither be found built nor be built here, or undefined. Cheap: file checks only. */
export function helperUnavailable(): string | undefined {
  if (existsSync(path.join(PREBUILT_DIR, 'gema-run')) && existsSync(path.join(PREBUILT_DIR, 'seccomp.bpf'))) return undefined;
  if (!CC_CANDIDATES.some((cc) => existsSync(cc))) return 'no C compiler to build the sandbox helper (and no build output in dist)';
  if (!existsSync(SECCOMP_HEADER)) return 'libseccomp-dev is not installed: the seccomp filter cannot be built (and no build output in dist)';
  return undefined;
}

/** The built helpers: the build's output when present, else compiled now into a fresh private directory. */
export async function buildHelper(): Promise<BuiltHelper> {
  await sweepStale();
  const prebuilt = { file: path.join(PREBUILT_DIR, 'gema-run'), seccomp: path.join(PREBUILT_DIR, 'seccomp.bpf') };
  if (existsSync(prebuilt.file) && existsSync(prebuilt.seccomp)) return { dir: PREBUILT_DIR, ...prebuilt, temporary: false };
  // mkdtemp: nobody can plant a binary there first
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gema-sandbox-helper-'));
  try {
    await fs.chmod(dir, 0o755);
    return { dir, ...(await compileNative(dir)), temporary: true };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}
