import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { OutputCapture, type OutputCaps } from '../limits';
import { BOX, type ProcessLimits } from './languages';

/** where the helper's directory is mounted inside the sandbox */
const HELPER_MOUNT = '/.gema';
/** the sandbox's private /tmp (and the program's working directory during runs), bytes */
const TMPFS_BYTES = 64 * 1024 * 1024;
const SHM_BYTES = 8 * 1024 * 1024;

/** What `gema-run` reports on fd 3 once the program has ended. */
export interface HelperStatus {
  exit: number;
  signal: number;
  rssKb: number;
  cpuMs: number;
  rssKilled: boolean;
  /** killed by the helper once its CPU time passed the limit (before RLIMIT_CPU's whole seconds) */
  cpuKilled: boolean;
  execErrno: number;
}

export interface SandboxCall {
  workDir: string;
  /** compile: the work dir is writable; runs: read-only, with a fresh tmpfs as working directory */
  writable: boolean;
  argv: string[];
  limits: ProcessLimits;
  stdin: string;
  wallMs: number;
  caps: OutputCaps;
}

export interface SandboxOutcome {
  output: OutputCapture;
  /** undefined when the helper never reported (killed on the wall clock, or bwrap itself failed) */
  status?: HelperStatus;
  wallTimedOut: boolean;
  outputLimited: boolean;
  wallMs: number;
  bwrapCode: number | null;
}

export interface BwrapHost {
  bwrap: string;
  helperDir: string;
  /** when the worker runs as root, bwrap is started as this unprivileged host user */
  runAs?: { uid: number; gid: number };
}

/**
 * The read-only view of the host a sandbox gets: /usr (toolchains, libraries) and the merged-/usr
 * links, the dynamic linker's cache, and the JDK's configuration. Not /etc as a whole (no
 * /etc/shadow, /etc/passwd, host names, credentials), not /home, /root, /var, /run or the app.
 */
export function rootMounts(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  args.push('--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache');
  let etc: string[] = [];
  try {
    etc = fs.readdirSync('/etc').filter((name) => /^java-\d+-openjdk$/.test(name));
  } catch {
    // no /etc: nothing to add
  }
  for (const name of etc) args.push('--ro-bind', `/etc/${name}`, `/etc/${name}`);
  return args;
}

const ENV = ['PATH', '/usr/bin:/bin', 'HOME', '/tmp', 'TMPDIR', '/tmp', 'LANG', 'C.UTF-8', 'LC_ALL', 'C.UTF-8'];

export function bwrapArgs(host: BwrapHost, mounts: string[], call: Pick<SandboxCall, 'workDir' | 'writable' | 'argv' | 'limits'>): string[] {
  const l = call.limits;
  const env: string[] = [];
  for (let i = 0; i < ENV.length; i += 2) env.push('--setenv', ENV[i]!, ENV[i + 1]!);
  return [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--hostname',
    'gema-sandbox',
    ...mounts,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // /dev is a writable tmpfs of its own: without a bounded /dev/shm and a read-only /dev it would take unlimited files
    '--size',
    String(SHM_BYTES),
    '--tmpfs',
    '/dev/shm',
    '--remount-ro',
    '/dev',
    '--size',
    String(TMPFS_BYTES),
    '--tmpfs',
    '/tmp',
    '--ro-bind',
    host.helperDir,
    HELPER_MOUNT,
    call.writable ? '--bind' : '--ro-bind',
    call.workDir,
    BOX,
    '--chdir',
    call.writable ? BOX : '/tmp',
    // the root bwrap builds is a writable tmpfs: without this /etc or / itself would take writes
    '--remount-ro',
    '/',
    '--clearenv',
    ...env,
    '--',
    `${HELPER_MOUNT}/gema-run`,
    String(l.cpuMs),
    String(l.asMb),
    String(l.rssCapKb),
    String(l.nproc),
    String(l.fsizeMb),
    String(l.nofile),
    '--',
    ...call.argv,
  ];
}

export function parseStatus(text: string): HelperStatus | undefined {
  const line = text.trim().split('\n').pop() ?? '';
  const fields = Object.fromEntries(line.split(' ').map((kv) => kv.split('=') as [string, string]));
  if (!('exit' in fields) || !('rss_kb' in fields)) return undefined;
  const n = (k: string) => Number(fields[k] ?? 0);
  return {
    exit: n('exit'),
    signal: n('signal'),
    rssKb: n('rss_kb'),
    cpuMs: (n('utime_us') + n('stime_us')) / 1000,
    rssKilled: n('rss_killed') === 1,
    cpuKilled: n('cpu_killed') === 1,
    execErrno: n('exec_errno'),
  };
}

/**
 * Runs one process in a fresh bubblewrap sandbox. Output comes only from pipes (never from files
 * the program could have replaced by symlinks); past the hard cap, or past the wall-clock budget,
 * the whole sandbox is killed: SIGKILL to bwrap's process group, and --die-with-parent plus the
 * PID namespace take every process inside with it.
 */
export function runSandboxed(host: BwrapHost, mounts: string[], call: SandboxCall): Promise<SandboxOutcome> {
  const output = new OutputCapture(call.caps);
  const started = process.hrtime.bigint();
  const child = spawn(host.bwrap, bwrapArgs(host, mounts, call), {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
    env: {},
    ...(host.runAs ?? {}),
  });
  let wallTimedOut = false;
  let outputLimited = false;
  let statusText = '';
  const kill = () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    wallTimedOut = true;
    kill();
  }, call.wallMs);

  const collect = (stream: Readable | null, target: 'stdout' | 'stderr') => {
    stream?.on('data', (chunk: Buffer) => {
      output[target].push(chunk);
      if (!outputLimited && output.overHardCap) {
        outputLimited = true;
        kill();
      }
    });
  };
  collect(child.stdout, 'stdout');
  collect(child.stderr, 'stderr');
  const statusStream = child.stdio[3] as Readable | null;
  statusStream?.setEncoding('utf8');
  statusStream?.on('data', (text: string) => {
    if (statusText.length < 4096) statusText += text;
  });

  // a program that never reads its input makes the write fail with EPIPE: that is its business
  child.stdin?.on('error', () => {});
  child.stdin?.end(call.stdin);

  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        output,
        status: parseStatus(statusText),
        wallTimedOut,
        outputLimited,
        wallMs: Number(process.hrtime.bigint() - started) / 1e6,
        bwrapCode: code,
      });
    });
  });
}
