import path from 'node:path';
import type { CgroupFs } from './fs';
import { alive, killUntilEmpty, removeGroup } from './kill';
import type { CgroupManager, GroupLimits, GroupUsage, RunGroup } from './types';

/** the cgroup v1 controllers a run needs, each its own hierarchy (cpuacct may share one with cpu) */
export const V1_CONTROLLERS = ['memory', 'pids', 'cpuacct'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];
export type V1Dirs = Record<V1Controller, string>;

const num = (text: string | undefined) => Number((text ?? '0').trim()) || 0;
const field = (text: string | undefined, key: string) => num(new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '')?.[1]);

class V1RunGroup implements RunGroup {
  readonly procsFiles: string[];

  constructor(
    private readonly fs: CgroupFs,
    readonly name: string,
    private readonly dirs: V1Dirs,
  ) {
    this.procsFiles = V1_CONTROLLERS.map((c) => path.join(dirs[c], 'cgroup.procs'));
  }

  limit(limits: GroupLimits): void {
    const mem = this.dirs.memory;
    this.fs.write(path.join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    // memory + swap at the same figure: no swap at all (where the kernel accounts swap)
    if (this.fs.exists(path.join(mem, 'memory.memsw.limit_in_bytes')))
      this.fs.write(path.join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    this.fs.write(path.join(this.dirs.pids, 'pids.max'), String(limits.pids));
  }

  adopt(pid: number): void {
    for (const file of this.procsFiles) this.fs.write(file, String(pid));
  }

  usage(): GroupUsage {
    const mem = this.dirs.memory;
    const oom = this.fs.tryRead(path.join(mem, 'memory.oom_control'));
    return {
      cpuUs: Math.floor(num(this.fs.tryRead(path.join(this.dirs.cpuacct, 'cpuacct.usage'))) / 1000),
      peakBytes: Math.max(
        num(this.fs.tryRead(path.join(mem, 'memory.max_usage_in_bytes'))),
        num(this.fs.tryRead(path.join(mem, 'memory.memsw.max_usage_in_bytes'))),
      ),
      ooms: field(oom, 'oom_kill') + field(oom, 'under_oom'),
    };
  }

  resetPeak(): boolean {
    const mem = this.dirs.memory;
    try {
      // writing 0 makes the maximum the current usage (cgroup v1 memory controller)
      this.fs.write(path.join(mem, 'memory.max_usage_in_bytes'), '0');
      if (this.fs.exists(path.join(mem, 'memory.memsw.max_usage_in_bytes'))) this.fs.write(path.join(mem, 'memory.memsw.max_usage_in_bytes'), '0');
      return true;
    } catch {
      return false;
    }
  }

  pids(): number[] {
    return [...new Set(this.procsFiles.flatMap((f) => this.fs.pids(f)))];
  }

  async kill(): Promise<void> {
    await killUntilEmpty(this.fs, this.procsFiles);
  }

  async destroy(): Promise<void> {
    await this.kill();
    const removed = await Promise.all(V1_CONTROLLERS.map((c) => removeGroup(this.fs, this.dirs[c])));
    if (removed.includes(false)) throw new Error(`cgroup ${this.name} could not be removed`);
  }
}

/**
 * cgroup v1: one hierarchy per controller. The worker's runs live under `gema-<pid>` inside the
 * worker's own group of each hierarchy (so whatever limits the host set on the worker still hold),
 * one group per run beneath it.
 */
export class CgroupV1 implements CgroupManager {
  readonly level = 'cgroup1' as const;
  readonly parentDirs: string[];
  private readonly parents: V1Dirs;

  constructor(
    private readonly fs: CgroupFs,
    own: V1Dirs,
    parentName = `gema-${process.pid}`,
  ) {
    this.parents = Object.fromEntries(V1_CONTROLLERS.map((c) => [c, path.join(own[c], parentName)])) as V1Dirs;
    this.parentDirs = V1_CONTROLLERS.map((c) => this.parents[c]);
    for (const c of V1_CONTROLLERS) sweepDead(fs, own[c]);
    for (const dir of this.parentDirs) fs.mkdir(dir);
  }

  createRun(name: string, limits: GroupLimits): RunGroup {
    const dirs = Object.fromEntries(V1_CONTROLLERS.map((c) => [c, path.join(this.parents[c], name)])) as V1Dirs;
    for (const c of V1_CONTROLLERS) this.fs.mkdir(dirs[c]);
    const group = new V1RunGroup(this.fs, name, dirs);
    try {
      group.limit(limits);
    } catch (err) {
      for (const c of V1_CONTROLLERS) this.fs.rmdir(dirs[c]);
      throw err;
    }
    return group;
  }

  async close(): Promise<void> {
    for (const dir of this.parentDirs) {
      for (const child of this.fs.subdirs(dir)) {
        await killUntilEmpty(this.fs, [path.join(dir, child, 'cgroup.procs')]);
        await removeGroup(this.fs, path.join(dir, child));
      }
      await removeGroup(this.fs, dir);
    }
  }
}

/** Removes the `gema-<pid>` groups of workers that are gone (killed before they could clean up). */
export function sweepDead(fs: CgroupFs, own: string): void {
  for (const name of fs.subdirs(own)) {
    const m = /^gema-(\d+)$/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const dir = path.join(own, name);
    for (const child of fs.subdirs(dir)) {
      for (const pid of fs.pids(path.join(dir, child, 'cgroup.procs'))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      fs.rmdir(path.join(dir, child));
    }
    fs.rmdir(dir);
  }
}
