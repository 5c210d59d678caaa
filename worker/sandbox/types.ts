/**
 * The contract every sandbox backend (isolated-vm, bubblewrap, Docker) fulfils: prepare (compile)
 * once, then run each test with its stdin and limits. Graders depend on this file only.
 */
import type { Language, Limits, RunResult } from '../../common/grading';
import type { CompareSpec } from '../../common/grading/compare';
// languages, limits and the run result are the grading contract the API shares (common/grading)
export { LANGUAGES } from '../../common/grading';
export type { Language, Limits, RunResult, RunVerdict } from '../../common/grading';

export interface SourceFile {
  /** a plain file name (no directories), e.g. `main.py`; the first file is the entry point */
  name: string;
  content: string;
}

export interface CompileResult {
  ok: boolean;
  /** compiler output (truncated), shown to the student on a compile error */
  output: string;
  timeMs: number;
}

/** One test for `runAll`: its stdin, and when given, what its output must match for the runs to go on. */
export interface TestRun {
  stdin: string;
  stopUnless?: CompareSpec & { expected: string };
}

/** One prepared program: compiled once, run many times, then disposed (work dir removed). */
export interface PreparedProgram {
  readonly compile: CompileResult;
  run(stdin: string, limits: Limits): Promise<RunResult>;
  /**
   * Optional (isolated-vm): several tests' runs in one go, each exactly as `run` would do it, yielded
   * in order as they finish; it ends after a test that did not run `ok` and match its `stopUnless`.
   * A backend without it is driven one `run` at a time.
   */
  runAll?(tests: TestRun[], limits: Limits): AsyncIterable<RunResult>;
  dispose(): Promise<void>;
}

export interface PrepareOptions {
  /**
   * Programs with the same key may be served one after the other by one warm sandbox (bubblewrap's
   * Python harness): the grader's is the task's. Only programs that are judged on the same tests may
   * share one (README.md "A warm sandbox per task").
   */
  reuseKey?: string;
  /**
   * The runs `runAll` will be asked for (the same array), which a backend may start with the compile
   * (isolated-vm: the syntax check and every run in one request to its runner child); others ignore it.
   */
  tests?: TestRun[];
}

export interface Runner {
  readonly name: 'isolated-vm' | 'bwrap' | 'docker';
  supports(language: Language): boolean;
  /** Writes the files and compiles when the language needs it. A compile failure is a result, not a throw. */
  prepare(language: Language, files: SourceFile[], limits: Limits, options?: PrepareOptions): Promise<PreparedProgram>;
}
