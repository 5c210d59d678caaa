/** What one run of a student's program may use; the sandbox enforces it, measured from outside the program. */
export interface Limits {
  /** CPU time per run, ms */
  timeMs: number;
  /** memory per run, MB */
  memoryMb: number;
  /** bytes kept of stdout/stderr each (default 64 KB); more is truncated, not fatal */
  outputKeepBytes?: number;
  /** bytes after which the run is stopped with `output_limit` (default 16 MB) */
  outputHardBytes?: number;
}

/**
 * The per-task limits a teacher may set (the API validates against these bounds), and the defaults a
 * task gets when none are set; the playground, which belongs to no task, runs with the defaults.
 * Migration 0030 holds the same bounds as a CHECK constraint: change both together.
 */
export const TASK_LIMITS = {
  timeMs: { min: 100, max: 20_000, default: 2000 },
  memoryMb: { min: 16, max: 1024, default: 128 },
} as const;
