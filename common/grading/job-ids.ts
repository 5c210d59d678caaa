/**
 * BullMQ job ids of the grading queue. A submission's first grading job has the submission's id as its
 * job id, so enqueueing it twice grades it once; a rejudge gets its own id per rejudge. BullMQ job ids
 * may not contain `:`. The database stores these ids (coding_submissions.job_id): compute them here,
 * never by string building in SQL.
 */
export const gradingJobId = (submissionId: string, rejudgeId?: string) => (rejudgeId ? `${submissionId}-rejudge-${rejudgeId}` : submissionId);
export const runJobId = (runId: string) => `run-${runId}`;
export const rejudgeJobId = (rejudgeId: string) => `rejudge-${rejudgeId}`;
