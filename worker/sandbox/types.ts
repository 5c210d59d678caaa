/**
 * The contract every sandbox backend (isolated-vm, bubblewrap, Docker) fulfils: prepare (compile)
 * once, then run each test with its stdin and limits. Graders depend on this file only.
 */
import type { Language, Limits, RunResult } from '../../common/grading';
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
