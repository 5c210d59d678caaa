/** What the machine gives the sandbox to count and bound a run's resources (README.md#isolation-levels). */
import type { IsolationLevel } from '../../../common/grading/sandbox-reports';

export type { IsolationLevel };

export interface GroupLimits {
  /** memory of every process of the run together, shared memory, tmpfs and memfd included; no swap */
  memoryBytes: number;
  /** processes and threads of the run together */
  pids: number;
}

/** What a control group saw, read from outside the sandbox. */
export interface GroupUsage {
  /** CPU time of every process that ever ran in the group, µs */
  cpuUs: number;
  /** peak memory of the group, bytes */
  peakBytes: number;
  /** the kernel's out-of-memory kills (or refused charges) inside the group */
  ooms: number;
}

/** One run's control group (or one per controller on cgroup v1). */
export interface RunGroup {
  readonly name: string;
  /** every `cgroup.procs` the run's first process writes its pid into, before the program starts */
  readonly procsFiles: readonly string[];
  /** moves an existing process in (the JavaScript runner children) */
  adopt(pid: number): void;
  /** cheap enough to poll every few ms */
  usage(): GroupUsage;
  /**
   * Starts the peak over from the memory in use now, for a group that serves several tests in turn
   * (the Python harness): cgroup v1 restarts `memory.max_usage_in_bytes`; cgroup v2 then reports the
   * highest `memory.current` read since (each poll and the final read). False: the group serves one test.
   */
  resetPeak?(): boolean;
  /** pids of the processes in the group now */
  pids(): number[];
  /** kills every process in the group, however fast they fork, and waits until it is empty */
  kill(): Promise<void>;
  /** kill(), then removes the group */
  destroy(): Promise<void>;
}

export interface CgroupManager {
  readonly level: Exclude<IsolationLevel, 'none'>;
  /** the worker's parent group holding every run's group */
  readonly parentDirs: readonly string[];
  createRun(name: string, limits: GroupLimits): RunGroup;
  /** removes the parent group (runs must be destroyed first) */
  close(): Promise<void>;
}
