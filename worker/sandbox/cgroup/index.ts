import fs from 'node:fs';
import path from 'node:path';
import { CgroupFs } from './fs';
import { ownGroups } from './mounts';
import type { CgroupManager, IsolationLevel } from './types';
import { CgroupV1, V1_CONTROLLERS, type V1Dirs } from './v1';
import { CgroupV2, V2_CONTROLLERS } from './v2';

export interface Isolation {
  level: IsolationLevel;
  /** why the level is not better (what is missing), for the start-up log and unavailable languages */
  reason?: string;
  manager?: CgroupManager;
}

export interface DetectOptions {
  fs?: CgroupFs;
  /** contents of /proc/self/mountinfo and /proc/self/cgroup (tests pass a fake cgroupfs's) */
  mountinfo?: string;
  procCgroup?: string;
  /** the name of the worker's parent group (default gema-<pid>) */
  parentName?: string;
}

const words = (text: string | undefined) => (text ?? '').trim().split(/\s+/).filter(Boolean);

/**
 * Finds the best control-group support this process can use: cgroup v2 with memory and pids it may
 * hand down, else the v1 memory, pids and cpuacct hierarchies, else none. "Can use" is checked by
 * creating the worker's parent group, not guessed from mount flags.
 */
export function detectIsolation(options: DetectOptions = {}): Isolation {
  const cfs = options.fs ?? new CgroupFs();
  let mountinfo: string;
  let procCgroup: string;
  try {
    mountinfo = options.mountinfo ?? fs.readFileSync('/proc/self/mountinfo', 'utf8');
    procCgroup = options.procCgroup ?? fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch (err) {
    return { level: 'none', reason: `cannot read this process's cgroups: ${(err as Error).message}` };
  }
  const groups = ownGroups(mountinfo, procCgroup);
  const why: string[] = [];

  const unified = groups.unified;
  if (unified) {
    const own = unified.dir;
    const available = words(cfs.tryRead(path.join(own, 'cgroup.controllers')));
    const missing = V2_CONTROLLERS.filter((c) => !available.includes(c));
    if (missing.length) why.push(`cgroup v2 at ${unified.mount.mountPoint}: controllers ${missing.join(', ')} not delegated to ${own}`);
    else if (!cfs.writable(own)) why.push(`cgroup v2: ${own} is not writable (read-only /sys/fs/cgroup, or not delegated to this user)`);
    else {
      try {
        return { level: 'cgroup2', manager: new CgroupV2(cfs, own, options.parentName) };
      } catch (err) {
        why.push(`cgroup v2: ${(err as Error).message}`);
      }
    }
  }

  const dirs: Partial<V1Dirs> = {};
  for (const controller of V1_CONTROLLERS) dirs[controller] = groups.v1(controller)?.dir;
  const absent = V1_CONTROLLERS.filter((c) => !dirs[c]);
  if (absent.length === V1_CONTROLLERS.length && !groups.unifiedMounted) why.push('no cgroup filesystem is mounted');
  else if (absent.length) why.push(`cgroup v1: no ${absent.join(', ')} hierarchy`);
  else {
    const readOnly = V1_CONTROLLERS.filter((c) => !cfs.writable(dirs[c]!));
    if (readOnly.length) why.push(`cgroup v1: ${readOnly.map((c) => dirs[c]).join(', ')} not writable`);
    else {
      try {
        return { level: 'cgroup1', manager: new CgroupV1(cfs, dirs as V1Dirs, options.parentName) };
      } catch (err) {
        why.push(`cgroup v1: ${(err as Error).message}`);
      }
    }
  }
  return { level: 'none', reason: why.join('; ') };
}

let detected: Isolation | undefined;

/** This process's isolation, detected once; the parent group is removed when the process exits. */
export function processIsolation(): Isolation {
  if (detected) return detected;
  detected = detectIsolation();
  const manager = detected.manager;
  if (manager) {
    process.once('exit', () => {
      // synchronous and best effort: runs are over by now; a crash leaves it to the next worker's sweep
      for (const dir of manager.parentDirs) {
        for (const child of new CgroupFs().subdirs(dir)) new CgroupFs().rmdir(path.join(dir, child));
        new CgroupFs().rmdir(dir);
      }
    });
  }
  return detected;
}

export { CgroupFs } from './fs';
export type { CgroupManager, GroupLimits, GroupUsage, IsolationLevel, RunGroup } from './types';
