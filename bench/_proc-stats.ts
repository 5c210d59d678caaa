import fs from 'node:fs';
import { processTree } from './_lib';

/**
 * What each process of a worker's tree has spent so far, by role (the tsx launcher, the worker's
 * node, its isolated-vm runner children) and, within a role, by thread name (V8's GC helpers, libuv's
 * pool, isolated-vm's threads): CPU split user/system, page faults (minor faults cost 10–14 µs each
 * on this VM) and context switches (summed over threads: /proc/<pid>/status counts the main one
 * only). Reaped children's CPU and faults are in their parent's c* fields, counted with the parent.
 */
export interface Counters {
  userMs: number;
  systemMs: number;
  minorFaults: number;
  majorFaults: number;
  voluntarySwitches: number;
  involuntarySwitches: number;
}

export type TreeStats = Record<string, Counters & { processes: number; threads: Record<string, Counters> }>;

const zero = (): Counters => ({ userMs: 0, systemMs: 0, minorFaults: 0, majorFaults: 0, voluntarySwitches: 0, involuntarySwitches: 0 });

const KEYS = Object.keys(zero()) as Array<keyof Counters>;

function add(into: Counters, c: Counters): void {
  for (const k of KEYS) into[k] += c[k];
}

const read = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** stat(5) fields after the command name; `withChildren` adds the reaped children's fields */
function statCounters(stat: string, withChildren: boolean): Counters {
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // minflt 10, cminflt 11, majflt 12, cmajflt 13, utime 14, stime 15, cutime 16, cstime 17 (1-based in stat(5)); here minus 3
  const c = withChildren ? 1 : 0;
  return {
    minorFaults: f[7]! + c * f[8]!,
    majorFaults: f[9]! + c * f[10]!,
    userMs: (f[11]! + c * f[13]!) * 10,
    systemMs: (f[12]! + c * f[14]!) * 10,
    voluntarySwitches: 0,
    involuntarySwitches: 0,
  };
}

export function roleOf(pid: number): string {
  const cmd = read(`/proc/${pid}/cmdline`).split('\0').join(' ');
  if (cmd.includes('isolate/child')) return 'runner';
  if (cmd.includes('tsx/dist/cli') || cmd.includes('.bin/tsx')) return 'tsx';
  if (cmd.includes('worker/main')) return 'worker';
  return 'other';
}

/** Threads are named by `comm` with digits dropped (V8's "V8 DefaultWorke", libuv's "libuv-worker"…). */
export function treeStats(rootPid: number): TreeStats {
  const out: TreeStats = {};
  for (const pid of processTree(rootPid)) {
    const role = roleOf(pid);
    const r = (out[role] ??= { ...zero(), processes: 0, threads: {} });
    r.processes++;
    const whole = statCounters(read(`/proc/${pid}/stat`), true);
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    const perThreadSum = zero();
    for (const tid of tasks) {
      const stat = read(`/proc/${pid}/task/${tid}/stat`);
      if (!stat) continue;
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+/g, '#');
      const t = statCounters(stat, false);
      const status = read(`/proc/${pid}/task/${tid}/status`);
      t.voluntarySwitches = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      t.involuntarySwitches = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      add((r.threads[name] ??= zero()), t);
      add(perThreadSum, t);
    }
    // the process's own figures (threads that exited included, reaped children's added)
    add(r, { ...whole, voluntarySwitches: perThreadSum.voluntarySwitches, involuntarySwitches: perThreadSum.involuntarySwitches });
  }
  return out;
}

/** after − before, role by role and thread by thread (a process or thread new in `after` counts whole). */
export function diffStats(before: TreeStats, after: TreeStats): TreeStats {
  const out: TreeStats = {};
  for (const [role, a] of Object.entries(after)) {
    const b = before[role];
    const d: Counters = zero();
    for (const k of Object.keys(d) as Array<keyof Counters>) d[k] = a[k] - (b?.[k] ?? 0);
    const threads: Record<string, Counters> = {};
    for (const [name, t] of Object.entries(a.threads)) {
      const tb = b?.threads[name];
      const td = zero();
      for (const k of Object.keys(td) as Array<keyof Counters>) td[k] = t[k] - (tb?.[k] ?? 0);
      threads[name] = td;
    }
    out[role] = { ...d, processes: a.processes, threads };
  }
  return out;
}

/** Sums several trees' diffs (the workers of one run) and divides by the submissions. */
export function perSubmission(diffs: TreeStats[], submissions: number): TreeStats {
  const out: TreeStats = {};
  const r2 = (n: number) => Math.round((n / submissions) * 100) / 100;
  for (const d of diffs) {
    for (const [role, s] of Object.entries(d)) {
      const o = (out[role] ??= { ...zero(), processes: 0, threads: {} });
      add(o, s);
      o.processes += s.processes;
      for (const [name, t] of Object.entries(s.threads)) add((o.threads[name] ??= zero()), t);
    }
  }
  for (const o of Object.values(out)) {
    for (const k of Object.keys(zero()) as Array<keyof Counters>) o[k] = r2(o[k]);
    for (const t of Object.values(o.threads)) for (const k of Object.keys(t) as Array<keyof Counters>) t[k] = r2(t[k]);
  }
  return out;
}
