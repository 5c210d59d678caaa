import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { OutputCapture, type OutputCaps } from '../limits';
import { BOX, type ProcessLimits } from './languages';
import type { BuiltHelper } from './helper';
import type { CgroupManager, GroupUsage, RunGroup } from '../cgroup';

/** the sandbox's private /tmp (and the program's working directory during runs), bytes */
const TMPFS_BYTES = 64 * 1024 * 1024;
const SHM_BYTES = 8 * 1024 * 1024;
/** the fd gema-run hands bubblewrap the seccomp filter on */
const SECCOMP_FD = 10;
/** how often the worker reads the run's control group while it runs */
export const POLL_MS = 10;
/** how far past the CPU limit a run may get before the worker kills its group */
export const CPU_KILL_MARGIN_MS = 50;
/** memory a run's group gets on top of the judged limit: bubblewrap's own two processes and page cache */
export const SANDBOX_OVERHEAD_MB = 16;

/** What `gema-run` (outside the sandbox) reports once bubblewrap has ended. */
export interface HelperStatus {
  /** bubblewrap's exit code: the program's, or 128 + signal; -1 when bubblewrap itself was killed */
  exit: number;
  /** the signal that killed bubblewrap itself (the control group was killed) */
  signal: number;
  /** rusage of bubblewrap and every descendant it reaped, ms (the figure when there is no cgroup) */
  cpuMs: number;
  maxRssKb: number;
  /** gema-run could not start the sandbox: errno and the step */
  setupErrno: number;
  setupStep: string;
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
  /** undefined when gema-run never reported (killed on the wall clock) */
  status?: HelperStatus;
  /** what the run's control group saw; undefined without control groups (weak isolation) */
  usage?: GroupUsage;
  wallTimedOut: boolean;
  outputLimited: boolean;
  /** the worker killed the group: its CPU time passed the limit */
  cpuKilled: boolean;
  /** the worker killed the group: the kernel reported an out-of-memory event in it */
  memoryKilled: boolean;
  wallMs: number;
}

export interface BwrapHost {
  bwrap: string;
  helper: BuiltHelper;
  /** when the worker runs as root, bubblewrap is started as this unprivileged host user */
  runAs?: { uid: number; gid: number };
  /** one control group per run; undefined only with SANDBOX_ALLOW_WEAK_ISOLATION on a machine without */
  cgroups?: CgroupManager;
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

/**
 * bubblewrap's arguments. `asPid1`: the command is the PID namespace's init itself (no bubblewrap
 * init in between): the Python harness, which must be PID 1 so that no process of the sandbox can
 * signal it.
 */
export function bwrapArgs(mounts: string[], call: Pick<SandboxCall, 'workDir' | 'writable' | 'argv'>, asPid1 = false): string[] {
  const env: string[] = [];
  for (let i = 0; i < ENV.length; i += 2) env.push('--setenv', ENV[i]!, ENV[i + 1]!);
  return [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    ...(asPid1 ? ['--as-pid-1'] : []),
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--hostname',
    'gema-sandbox',
    '--seccomp',
    String(SECCOMP_FD),
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
    ...call.argv,
  ];
}

/** where util-linux's prlimit is, inside the sandbox (/usr is mounted) */
const PRLIMIT = '/usr/bin/prlimit';

/**
 * The command bubblewrap runs. With a control group, pids.max counts the run's processes. Without
 * one (weak isolation) RLIMIT_NPROC is all there is, and it must be set inside the sandbox's user
 * namespace, where the count starts at zero: set outside, as the host's uid 65534, it would count
 * every sandbox on the machine together (and bubblewrap's own exec would fail once they pass it).
 */
export function sandboxCommand(call: Pick<SandboxCall, 'argv' | 'limits'>, grouped: boolean): string[] {
  if (grouped || !call.limits.nproc || !fs.existsSync(PRLIMIT)) return call.argv;
  return [PRLIMIT, `--nproc=${call.limits.nproc}`, '--', ...call.argv];
}

/** gema-run's arguments: the groups to join, the user to become, the rlimits, then bubblewrap's command */
export function helperArgs(host: BwrapHost, group: RunGroup | undefined, limits: ProcessLimits, bwrap: string[], keepFds: number[] = []): string[] {
  const mb = (n: number) => String(n * 1024 * 1024);
  const args = ['--status-fd', '3', '--seccomp-file', host.helper.seccomp, '--seccomp-fd', String(SECCOMP_FD)];
  for (const fd of keepFds) args.push('--keep-fd', String(fd));
  for (const file of group?.procsFiles ?? []) args.push('--cgroup', file);
  if (host.runAs) args.push('--uid', String(host.runAs.uid), '--gid', String(host.runAs.gid));
  // RLIMIT_CPU (whole seconds) is the backstop behind the worker's watch of the group's CPU time
  if (limits.cpuMs) args.push('--rlimit', `cpu=${Math.ceil(limits.cpuMs / 1000) + 1}`);
  if (limits.asMb) args.push('--rlimit', `as=${mb(limits.asMb)}`);
  args.push('--rlimit', `fsize=${mb(limits.fsizeMb)}`, '--rlimit', `nofile=${limits.nofile}`, '--rlimit', `stack=${mb(64)}`);
  return [...args, '--', host.bwrap, ...bwrap];
}

export function parseStatus(text: string): HelperStatus | undefined {
  const line = text.trim().split('\n').pop() ?? '';
  const fields = Object.fromEntries(line.split(' ').map((kv) => kv.split('=') as [string, string]));
  if (!('exit' in fields) || !('maxrss_kb' in fields)) return undefined;
  const n = (k: string) => Number(fields[k] ?? 0);
  return {
    exit: n('exit'),
    signal: n('signal'),
    cpuMs: (n('utime_us') + n('stime_us')) / 1000,
    maxRssKb: n('maxrss_kb'),
    setupErrno: n('setup_errno'),
    setupStep: fields.setup_step ?? '-',
  };
}

let runCounter = 0;
/** a name for a run's control group, unique in this process */
export const nextRunName = () => `run-${++runCounter}`;

/**
 * Runs one process in a fresh bubblewrap sandbox inside a fresh control group. Output comes only from
 * pipes (never from files the program could have replaced by symlinks). While it runs the worker
 * reads the group every 10 ms: past the CPU limit, or at the kernel's first out-of-memory event, the
 * whole group is killed at once; so is it past the output cap or the wall-clock budget. Time and
 * memory are then read from the group, and the group is removed.
 */
export async function runSandboxed(host: BwrapHost, mounts: string[], call: SandboxCall): Promise<SandboxOutcome> {
  const group = host.cgroups?.createRun(nextRunName(), {
    memoryBytes: (call.limits.memoryMb + SANDBOX_OVERHEAD_MB) * 1024 * 1024,
    // bubblewrap's monitor outside the PID namespace, on top of its init and the program's own
    pids: call.limits.nproc + 1,
  });
  try {
    return await supervise(host, mounts, call, group);
  } finally {
    // the figures are read already; a group that will not empty (a process stuck in the kernel) is
    // removed with the worker's parent group later rather than costing the run its result
    await group?.destroy().catch(() => undefined);
  }
}

function supervise(host: BwrapHost, mounts: string[], call: SandboxCall, group: RunGroup | undefined): Promise<SandboxOutcome> {
  const output = new OutputCapture(call.caps);
  const started = process.hrtime.bigint();
  const command = { ...call, argv: sandboxCommand(call, group !== undefined) };
  const child = spawn(host.helper.file, helperArgs(host, group, call.limits, bwrapArgs(mounts, command)), {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
    env: {},
  });
  let wallTimedOut = false;
  let outputLimited = false;
  let cpuKilled = false;
  let memoryKilled = false;
  let statusText = '';
  const killSupervisor = () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let lastResort: NodeJS.Timeout | undefined;
  // with a group, killing the group is enough and leaves gema-run alive to reap the sandbox's
  // processes (killed, they would linger as zombies of the machine's init); gema-run itself is
  // killed only if it has not ended a while later
  const kill = () => {
    if (!group) return killSupervisor();
    void group.kill();
    lastResort ??= setTimeout(killSupervisor, 3000);
  };
  const timer = setTimeout(() => {
    wallTimedOut = true;
    kill();
  }, call.wallMs);
  const watch = group
    ? setInterval(() => {
        if (cpuKilled || memoryKilled) return;
        const u = group.usage();
        if (u.ooms > 0) memoryKilled = true;
        else if (call.limits.cpuMs && u.cpuUs / 1000 > call.limits.cpuMs + CPU_KILL_MARGIN_MS) cpuKilled = true;
        else return;
        // the group only: gema-run stays to report how bubblewrap ended
        void group.kill();
      }, POLL_MS)
    : undefined;

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
    const stop = () => {
      clearTimeout(timer);
      if (lastResort) clearTimeout(lastResort);
      if (watch) clearInterval(watch);
    };
    child.on('error', (err) => {
      stop();
      reject(err);
    });
    child.on('close', () => {
      stop();
      resolve({
        output,
        status: parseStatus(statusText),
        usage: group?.usage(),
        wallTimedOut,
        outputLimited,
        cpuKilled,
        memoryKilled,
        wallMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
  });
}
