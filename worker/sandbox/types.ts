/**
 * The contract every sandbox backend (isolated-vm, bubblewrap, Docker) fulfils: prepare (compile)
 * once, then run each test with its stdin and limits. Graders depend on this file only.
 */
export const LANGUAGES = ['javascript', 'python', 'c', 'cpp', 'java'] as const;
export type Language = (typeof LANGUAGES)[number];

export type RunVerdict = 'ok' | 'runtime_error' | 'time_limit' | 'memory_limit' | 'output_limit' | 'internal_error';

export interface SourceFile {
  /** a plain file name (no directories), e.g. `main.py`; the first file is the entry point */
  name: string;
  content: string;
}

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

export interface CompileResult {
  ok: boolean;
  /** compiler output (truncated), shown to the student on a compile error */
  output: string;
  timeMs: number;
}

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

/** One prepared program: compiled once, run many times, then disposed (work dir removed). */
export interface PreparedProgram {
  readonly compile: CompileResult;
  run(stdin: string, limits: Limits): Promise<RunResult>;
  dispose(): Promise<void>;
}

export interface Runner {
  readonly name: 'isolated-vm' | 'bwrap' | 'docker';
  supports(language: Language): boolean;
  /** Writes the files and compiles when the language needs it. A compile failure is a result, not a throw. */
  prepare(language: Language, files: SourceFile[], limits: Limits): Promise<PreparedProgram>;
}
