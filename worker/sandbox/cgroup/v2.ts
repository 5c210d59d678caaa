import path from 'node:path';
import type { CgroupFs } from './fs';
import { killUntilEmpty, removeGroup } from './kill';
import { sweepDead } from './v1';
import type { CgroupManager, GroupLimits, GroupUsage, RunGroup } from './types';

/** the controllers a run group needs on cgroup v2 (CPU time is in every group's cpu.stat) */
export const V2_CONTROLLERS = ['memory', 'pids'] as const;
/** the leaf the worker's own processes move to when its group must hand controllers down */
export const WORKER_LEAF = 'gema-worker';

const num = (text: string | undefined) => Number((text ?? '0').trim()) || 0;
const field = (text: string | undefined, key: string) => num(new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '')?.[1]);
const words = (text: string | undefined) => (text ?? '').trim().split(/\s+/).filter(Boolean);

class V2RunGroup implements RunGroup {
  readonly procsFiles: string[];
  /** highest memory.current seen, for kernels without memory.peak (before 5.19) */
  private sampledPeak = 0;
  /**
   * After resetPeak(): the highest memory.current seen since (every read, so every 10 ms poll and the
   * read after the test). memory.peak only restarts per open descriptor (kernel 6.12+), not used yet.
   */
  private sinceReset?: number;

  constructor(
    private readonly fs: CgroupFs,
    readonly name: string,
    private readonly dir: string,
  ) {
    this.procsFiles = [path.join(dir, 'cgroup.procs')];
  }

  limit(limits: GroupLimits): void {
    const f = (name: string) => path.join(this.dir, name);
    this.fs.write(f('memory.max'), String(limits.memoryBytes));
    if (this.fs.exists(f('memory.swap.max'))) this.fs.write(f('memory.swap.max'), '0');
    // an out-of-memory kill takes the whole run, not one process of it
    if (this.fs.exists(f('memory.oom.group'))) this.fs.write(f('memory.oom.group'), '1');
    this.fs.write(f('pids.max'), String(limits.pids));
  }

  adopt(pid: number): void {
    this.fs.write(this.procsFiles[0]!, String(pid));
  }

  usage(): GroupUsage {
    const f = (name: string) => path.join(this.dir, name);
    const events = this.fs.tryRead(f('memory.events'));
    const peak = this.fs.tryRead(f('memory.peak'));
    const current = num(this.fs.tryRead(f('memory.current')));
    this.sampledPeak = Math.max(this.sampledPeak, current);
    if (this.sinceReset !== undefined) this.sinceReset = Math.max(this.sinceReset, current);
    return {
      cpuUs: field(this.fs.tryRead(f('cpu.stat')), 'usage_usec'),
      peakBytes: this.sinceReset ?? (peak === undefined ? this.sampledPeak : Math.max(num(peak), current)),
      ooms: field(events, 'oom_kill') + field(events, 'oom_group_kill') + field(events, 'oom'),
    };
  }

  resetPeak(): boolean {
    this.sinceReset = num(this.fs.tryRead(path.join(this.dir, 'memory.current')));
    return true;
  }

  pids(): number[] {
    return this.fs.pids(this.procsFiles[0]!);
  }

  async kill(): Promise<void> {
    const killFile = path.join(this.dir, 'cgroup.kill');
    // cgroup.kill (5.14+) kills every process at once, including ones forking meanwhile
    if (this.fs.exists(killFile)) this.fs.write(killFile, '1');
    await killUntilEmpty(this.fs, this.procsFiles);
  }

  async destroy(): Promise<void> {
    await this.kill();
    if (!(await removeGroup(this.fs, this.dir))) throw new Error(`cgroup ${this.name} could not be removed`);
  }
}

/**
 * cgroup v2: one hierarchy. The worker's group (its own, or the one an operator delegated) must pass
 * memory and pids down to children; a group holding processes cannot (the "no internal processes"
 * rule), so when enabling them fails the worker first moves the group's processes into a leaf,
 * `gema-worker`, as container init scripts do. Runs live in `gema-<pid>/<run>` beneath.
 */
export class CgroupV2 implements CgroupManager {
  readonly level = 'cgroup2' as const;
  readonly parentDirs: string[];
  private readonly parent: string;

  constructor(
    private readonly fs: CgroupFs,
    own: string,
    parentName = `gema-${process.pid}`,
  ) {
    // a worker restarted inside a group an earlier worker already split: use the split group
    const base = path.basename(own) === WORKER_LEAF && hasAll(fs, path.dirname(own), 'cgroup.subtree_control') ? path.dirname(own) : own;
    enableControllers(fs, base);
    sweepDead(fs, base);
    this.parent = path.join(base, parentName);
    fs.mkdir(this.parent);
    fs.write(path.join(this.parent, 'cgroup.subtree_control'), V2_CONTROLLERS.map((c) => `+${c}`).join(' '));
    this.parentDirs = [this.parent];
  }

  createRun(name: string, limits: GroupLimits): RunGroup {
    const dir = path.join(this.parent, name);
    this.fs.mkdir(dir);
    const group = new V2RunGroup(this.fs, name, dir);
    try {
      group.limit(limits);
    } catch (err) {
      this.fs.rmdir(dir);
      throw err;
    }
    return group;
  }

  async close(): Promise<void> {
    for (const child of this.fs.subdirs(this.parent)) {
      const dir = path.join(this.parent, child);
      if (this.fs.exists(path.join(dir, 'cgroup.kill'))) this.fs.write(path.join(dir, 'cgroup.kill'), '1');
      await killUntilEmpty(this.fs, [path.join(dir, 'cgroup.procs')]);
      await removeGroup(this.fs, dir);
    }
    await removeGroup(this.fs, this.parent);
  }
}

function hasAll(fs: CgroupFs, dir: string, file: string): boolean {
  const present = words(fs.tryRead(path.join(dir, file)));
  return V2_CONTROLLERS.every((c) => present.includes(c));
}

/** Makes `dir` hand memory and pids to its children, moving its own processes to a leaf when it must. */
function enableControllers(fs: CgroupFs, dir: string): void {
  if (hasAll(fs, dir, 'cgroup.subtree_control')) return;
  const control = path.join(dir, 'cgroup.subtree_control');
  const enable = V2_CONTROLLERS.map((c) => `+${c}`).join(' ');
  try {
    fs.write(control, enable);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EBUSY') throw err;
  }
  const leaf = path.join(dir, WORKER_LEAF);
  fs.mkdir(leaf);
  for (const pid of fs.pids(path.join(dir, 'cgroup.procs'))) {
    try {
      fs.write(path.join(leaf, 'cgroup.procs'), String(pid));
    } catch {
      // a kernel thread or a process that just exited
    }
  }
  fs.write(control, enable);
}
