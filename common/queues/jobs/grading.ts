/** Grading jobs carry ids only: the worker reads the code and the tests from the database. */
export type GradingJob =
  | { kind: 'submission'; submissionId: string; rejudgeId?: string }
  | { kind: 'run'; runId: string }
  | { kind: 'rejudge'; rejudgeId: string }
  /** the periodic reconciliation of the database with the queue (a BullMQ job scheduler) */
  | { kind: 'sweep' };
