/**
 * The grading contract shared by the API (which accepts and enqueues work) and the worker (which runs
 * it in the sandbox): languages, limits, the result of one run, and the job ids. Comparison and
 * visibility rules are beside it in `compare.ts` and `visibility.ts`.
 */
export { LANGUAGES, type Language } from './languages';
export { TASK_LIMITS, type Limits } from './limits';
export type { RunOutcome, RunResult, RunVerdict } from './run-result';
export { gradingJobId, rejudgeJobId, runJobId } from './job-ids';
