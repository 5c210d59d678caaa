/** Grading jobs carry ids only: the worker reads the code and the tests from the database. */
export type GradingJob =
  | { kind: 'submission'; submissionId: string }
  | { kind: 'run'; runId: string }
  | { kind: 'rejudge'; rejudgeId: string };
