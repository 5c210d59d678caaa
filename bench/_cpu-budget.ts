import fs from 'node:fs';
import path from 'node:path';
import { CgroupFs } from '../worker/sandbox/cgroup/fs';
import { groupDir, ownGroups, parseProcCgroup, type CgroupMount } from '../worker/sandbox/cgroup/mounts';

/**
 * A fixed CPU budget for a process tree (a cgroup with a CFS quota), so a bench can show how a worker
 * scales with cores on a machine that has too few of them: each worker gets the same fraction of a
 * core, the worker becomes the bottleneck, and a second worker adds a second budget while the API,
 * PostgreSQL and Redis keep the rest of the machine (bench/exam-hall.ts, the `scaling` phase).
 *
 * cgroup v2: one group with `cpu.max`. cgroup v1: a group in the cpu hierarchy (`cpu.cfs_quota_us`),
 * and one of the same name in the cpuacct hierarchy where that is mounted apart, to read the CPU the
 * tree used. The groups sit under this process's own group in each hierarchy, named
 * `gema-bench-cpu-<pid>-<label>`; groups of bench processes that are gone are swept on the next create.
 */

export const CFS_PERIOD_US = 100_000;
const PREFIX = 'gema-bench-cpu-';

export interface Throttling {
  /** CFS periods in which the group had runnable work */
  periods: number;
  /** periods in which it used up its quota and waited */
  throttledPeriods: number;
  throttledMs: number;
}

export interface CpuBudget {
  readonly level: 'cgroup1' | 'cgroup2';
  /** the budget, in CPUs (0.5 = half a core) */
  readonly cpus: number;
  /** the group's directories, the one holding the quota first */
  readonly dirs: readonly string[];
  /**
   * `command args…` run by a shell that first writes its own pid into the group, then execs the
   * command: the process starts inside, and everything it forks later inherits the group.
   */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** CPU used by every process that ever ran in the group or a group beneath it, ms */
  usageMs(): number;
  throttling(): Throttling;
  /** the processes in the quota's group and every group beneath it now */
  pids(): number[];
  /**
   * Whether a process is in the quota's group or one beneath it, from its own /proc/<pid>/cgroup
   * (authoritative where `pids()` may miss a process forked a moment ago); undefined once it is gone.
   */
  holds(pid: number): boolean | undefined;
  /** removes the groups (beneath first), retrying while the last processes exit; throws if one stays */
  remove(): Promise<void>;
}

interface Located {
  level: 'cgroup1' | 'cgroup2';
  /** the quota's hierarchy, and its key in /proc/<pid>/cgroup ('' for v2) */
  quotaMount: CgroupMount;
  quotaKey: string;
  /** where the quota's group is made */
  quotaParent: string;
  /** v1 with cpuacct mounted apart: where its group is made */
  accountingParent?: string;
}

export type CpuBudgetSupport = { level: 'cgroup1' | 'cgroup2' } | { level: 'none'; reason: string };

const words = (text: string | undefined) => (text ?? '').trim().split(/\s+/).filter(Boolean);
const field = (text: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
// the sandbox's own cgroup file operations (read, writable, subdirs), the same rules for what counts as missing
const cgroupFs = new CgroupFs();
const tryRead = (file: string) => cgroupFs.tryRead(file);
const writable = (dir: string) => cgroupFs.writable(dir);
const subdirs = (dir: string) => cgroupFs.subdirs(dir);

function locate(): Located | { reason: string } {
  const mountinfo = tryRead('/proc/self/mountinfo');
  const procCgroup = tryRead('/proc/self/cgroup');
  if (mountinfo === undefined || procCgroup === undefined) return { reason: "cannot read this process's cgroups" };
  const groups = ownGroups(mountinfo, procCgroup);
  const why: string[] = [];

  const unified = groups.unified;
  if (unified) {
    const own = unified.dir;
    if (!words(tryRead(path.join(own, 'cgroup.controllers'))).includes('cpu'))
      why.push(`cgroup v2 at ${unified.mount.mountPoint}: no cpu controller in ${own}`);
    else if (!writable(own)) why.push(`cgroup v2: ${own} is not writable`);
    else return { level: 'cgroup2', quotaMount: unified.mount, quotaKey: '', quotaParent: own };
  }

  const cpu = groups.v1('cpu');
  const cpuacct = groups.v1('cpuacct');
  if (!cpu || !cpuacct) {
    why.push('cgroup v1: no cpu and cpuacct hierarchies');
    return { reason: why.join('; ') };
  }
  const quotaParent = cpu.dir;
  const accountingParent = cpuacct.mount === cpu.mount ? undefined : cpuacct.dir;
  const readOnly = [quotaParent, accountingParent].filter((d): d is string => d !== undefined && !writable(d));
  if (readOnly.length) {
    why.push(`cgroup v1: ${readOnly.join(', ')} not writable`);
    return { reason: why.join('; ') };
  }
  return { level: 'cgroup1', quotaMount: cpu.mount, quotaKey: 'cpu', quotaParent, accountingParent };
}

/** Whether this process can give a process tree a CPU budget, and with which cgroup version. */
export function cpuBudgetSupport(): CpuBudgetSupport {
  const found = locate();
  return 'reason' in found ? { level: 'none', reason: found.reason } : { level: found.level };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes a group and every group beneath it, deepest first; true when it is gone. */
function removeTree(dir: string): boolean {
  for (const child of subdirs(dir)) removeTree(path.join(dir, child));
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** the pids in a group and every group beneath it */
function treePids(dir: string): number[] {
  const own = words(tryRead(path.join(dir, 'cgroup.procs'))).map(Number);
  return [...own, ...subdirs(dir).flatMap((child) => treePids(path.join(dir, child)))];
}

/** Groups left by bench processes that were killed before they could remove them. */
function sweepDead(parent: string): void {
  for (const name of subdirs(parent)) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (m && !alive(Number(m[1]))) removeTree(path.join(parent, name));
  }
}

/** v2: the quota's parent must hand the cpu controller down (and memory and pids, so a worker's sandbox keeps its own groups). */
function enableV2Controllers(parent: string): void {
  const control = path.join(parent, 'cgroup.subtree_control');
  const enabled = words(tryRead(control));
  const available = words(tryRead(path.join(parent, 'cgroup.controllers')));
  const wanted = ['cpu', 'memory', 'pids'].filter((c) => available.includes(c) && !enabled.includes(c));
  if (!wanted.length) return;
  try {
    fs.writeFileSync(control, wanted.map((c) => `+${c}`).join(' '));
  } catch (err) {
    throw new Error(
      `cgroup v2: cannot enable ${wanted.join(', ')} in ${control} (${(err as NodeJS.ErrnoException).code}: a group holding processes cannot hand controllers down; run the bench from a group that delegates them)`,
      { cause: err },
    );
  }
}

/**
 * Creates a group with a CPU quota of `cpus` CPUs for the process tree a later `wrap()` starts.
 * `label` tells the bench's groups apart (letters, digits, `.`, `_`, `-`).
 */
export function createCpuBudget(label: string, cpus: number): CpuBudget {
  if (!/^[\w.-]+$/.test(label)) throw new Error(`cpu budget label ${JSON.stringify(label)}: letters, digits, . _ - only`);
  if (!(cpus > 0)) throw new Error(`cpu budget of ${cpus} CPUs`);
  const found = locate();
  if ('reason' in found) throw new Error(`no CPU budget here: ${found.reason}`);
  const name = `${PREFIX}${process.pid}-${label}`;
  const quotaUs = Math.round(cpus * CFS_PERIOD_US);
  const parents = [found.quotaParent, ...(found.accountingParent ? [found.accountingParent] : [])];
  for (const parent of parents) sweepDead(parent);
  if (found.level === 'cgroup2') enableV2Controllers(found.quotaParent);
  const dirs = parents.map((p) => path.join(p, name));
  for (const dir of dirs) fs.mkdirSync(dir);
  const quotaDir = dirs[0]!;
  const accountingDir = dirs[1] ?? quotaDir;
  try {
    if (found.level === 'cgroup2') fs.writeFileSync(path.join(quotaDir, 'cpu.max'), `${quotaUs} ${CFS_PERIOD_US}`);
    else {
      fs.writeFileSync(path.join(quotaDir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      fs.writeFileSync(path.join(quotaDir, 'cpu.cfs_quota_us'), String(quotaUs));
    }
  } catch (err) {
    dirs.forEach(removeTree);
    throw err;
  }
  // a bench that dies between here and remove() leaves empty groups at worst; this takes them on a normal exit
  const onExit = () => dirs.forEach(removeTree);
  process.once('exit', onExit);

  return {
    level: found.level,
    cpus,
    dirs,
    wrap(command, args) {
      const joins = dirs.map((d) => `echo $$ > '${path.join(d, 'cgroup.procs')}'`).join(' && ');
      return { command: '/bin/sh', args: ['-c', `${joins} && exec "$@"`, 'sh', command, ...args] };
    },
    usageMs() {
      if (found.level === 'cgroup2') return field(tryRead(path.join(quotaDir, 'cpu.stat')) ?? '', 'usage_usec') / 1000;
      return Number((tryRead(path.join(accountingDir, 'cpuacct.usage')) ?? '0').trim()) / 1e6;
    },
    throttling() {
      const stat = tryRead(path.join(quotaDir, 'cpu.stat')) ?? '';
      return {
        periods: field(stat, 'nr_periods'),
        throttledPeriods: field(stat, 'nr_throttled'),
        throttledMs: found.level === 'cgroup2' ? field(stat, 'throttled_usec') / 1000 : field(stat, 'throttled_time') / 1e6,
      };
    },
    pids: () => treePids(quotaDir),
    holds(pid) {
      const text = tryRead(`/proc/${pid}/cgroup`);
      const at = text === undefined ? undefined : parseProcCgroup(text).get(found.quotaKey);
      if (at === undefined) return undefined;
      const dir = groupDir(found.quotaMount, at);
      return dir === quotaDir || dir.startsWith(`${quotaDir}/`);
    },
    async remove() {
      for (let attempt = 0; ; attempt++) {
        if (dirs.map(removeTree).every(Boolean)) break;
        if (attempt >= 40) throw new Error(`cpu budget ${name}: ${dirs.join(', ')} still hold processes ${treePids(quotaDir).join(' ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      process.removeListener('exit', onExit);
    },
  };
}
