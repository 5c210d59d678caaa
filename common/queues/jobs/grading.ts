/** Grading jobs carry ids only: the worker reads the code and the tests from the database. */
export type GradingJob =
  | { kind: 'submission'; submissionId: string; rejudgeId?: string }
  | { kind: 'run'; runId: string }
  | { kind: 'rejudge'; rejudgeId: string }
  /** the periodic reconciliation of the database with the queue (a BullMQ job scheduler) */
  | { kind: 'sweep' };

/**
 * A submission's first grading job has the submission's id as its job id, so enqueueing it twice
 * grades it once; a rejudge gets its own id per rejudge. BullMQ job ids may not contain `:`.
 */
export const gradingJobId = (submissionId: string, rejudgeId?: string) =>
  rejudgeId ? `${submissionId}-rejudge-${rejudgeId}` : submissionId;
export const runJobId = (runId: string) => `run-${runId}`;
export const rejudgeJobId = (rejudgeId: string) => `rejudge-${rejudgeId}`;
