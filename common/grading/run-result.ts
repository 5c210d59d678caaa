/** How one run of a program ended, as the sandbox judges it (before any comparison with expected output). */
export type RunVerdict = 'ok' | 'runtime_error' | 'time_limit' | 'memory_limit' | 'output_limit' | 'internal_error';

/** What every sandbox backend (isolated-vm, bubblewrap, Docker) answers for one run. */
export interface RunResult {
  verdict: RunVerdict;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  exitCode: number | null;
  signal: string | null;
  /** CPU (or wall, where CPU cannot be read) time, ms */
  timeMs: number;
  /** peak resident memory, KB (0 when the backend cannot measure it) */
  memoryKb: number;
  /** for internal_error: what went wrong on our side */
  message?: string;
}

/**
 * The outcome of one playground run as stored and shown: the run's output, never compared with
 * anything, and `compile_error` when it never ran. Our internal message is not part of it.
 */
export type RunOutcome = Pick<
  RunResult,
  'stdout' | 'stderr' | 'stdoutTruncated' | 'stderrTruncated' | 'exitCode' | 'signal' | 'timeMs' | 'memoryKb'
> & { verdict: RunVerdict | 'compile_error' };
