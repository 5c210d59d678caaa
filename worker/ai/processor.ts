import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { AiEvaluation, CodingSubmission } from '../../common/models';
import type { AiEvaluationJob } from '../../common/queues';
import { rooms } from '../../common/realtime/events';
import { aiEvaluated } from '../../common/notifications/triggers';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { AiProviderError } from './chat-client';
import { loadEvaluationInput } from './load-input';
import { measureCode } from './metrics';
import { createReviewer, type Reviewer } from './reviewer';

/** How many times one evaluation may be put off by a provider's Retry-After before it counts as a failed attempt. */
const MAX_RETRY_AFTER_DELAYS = 5;

/**
 * Evaluates one graded submission: measures the code, asks the configured reviewer, stores the
 * result and tells the student (and whoever asked) over Socket.IO.
 *
 * The job is the one layer that retries (the client makes one call): a provider that refuses the
 * request or answers something unreadable fails the job at once; a busy or silent one fails the
 * attempt, and BullMQ tries again with the queue's backoff; a provider that says when to come back
 * (`Retry-After` on a 429 or 503) gets the job moved to the delayed set until then, so no worker
 * sleeps through the wait. A `Retry-After` longer than AI_RETRY_MAX_DELAY_MS fails the evaluation
 * with the reason. The last failure is stored on the evaluation.
 */
export function aiEvaluationProcessor(
  deps: WorkerDeps,
  reviewer: Reviewer = createReviewer(deps.config, deps.logger),
): ProcessorDefinition<AiEvaluationJob, string> {
  const notify = (evaluation: AiEvaluation, studentId: string) => {
    const targets = [rooms.user(studentId)];
    if (evaluation.requestedBy && evaluation.requestedBy !== studentId) targets.push(rooms.user(evaluation.requestedBy));
    deps.realtime.publish(targets, 'ai:evaluated', {
      evaluationId: evaluation.id,
      submissionId: evaluation.codingSubmissionId,
      status: evaluation.status,
    });
    const userIds = [studentId, ...(evaluation.requestedBy ? [evaluation.requestedBy] : [])];
    aiEvaluated(deps.realtime, {
      evaluationId: evaluation.id,
      submissionId: evaluation.codingSubmissionId,
      status: evaluation.status,
      userIds,
    }).catch((err: Error) => deps.logger.warn('evaluation notification failed', { evaluationId: evaluation.id, error: err.message }));
  };

  return {
    async process(job: Job<AiEvaluationJob>, token?: string) {
      const evaluation = await AiEvaluation.findByPk(job.data.evaluationId);
      if (!evaluation) throw new UnrecoverableError(`AI evaluation ${job.data.evaluationId} does not exist`);
      // a stalled job that comes back after another attempt finished has nothing left to do
      if (evaluation.status === 'completed') return evaluation.status;
      const submission = await CodingSubmission.findByPk(evaluation.codingSubmissionId);
      if (!submission) throw new UnrecoverableError('The submission was deleted');
      if (submission.status !== 'completed') throw new UnrecoverableError('The submission has not been graded');

      await evaluation.update({ status: 'running', startedAt: new Date(), attempts: job.attemptsMade + 1, provider: reviewer.provider, error: null });
      const input = await loadEvaluationInput(submission, deps.config.sandbox.hiddenFigures);
      const metrics = measureCode(input.language, input.files);
      metrics.tests = {
        passed: input.tests.passed,
        total: input.tests.total,
        score: input.tests.score,
        maxScore: input.tests.maxScore,
        verdict: input.tests.verdict,
      };

      let review;
      try {
        review = await reviewer.review(input, metrics);
      } catch (err) {
        if (err instanceof AiProviderError && !err.retryable) throw new UnrecoverableError(err.message);
        const retryAfterMs = err instanceof AiProviderError ? err.retryAfterMs : undefined;
        if (retryAfterMs !== undefined && retryAfterMs > deps.config.ai.retryMaxDelayMs) {
          throw new UnrecoverableError(
            `${(err as Error).message} (the provider asks to wait ${Math.ceil(retryAfterMs / 1000)} s, more than AI_RETRY_MAX_DELAY_MS)`,
          );
        }
        // back to waiting, with the reason in sight meanwhile
        await evaluation.update({ status: 'queued', error: (err as Error).message });
        // attempts started but not counted as made are earlier Retry-After delays (and stalls)
        const delays = job.attemptsStarted - job.attemptsMade - 1;
        if (retryAfterMs !== undefined && token && delays < MAX_RETRY_AFTER_DELAYS) {
          deps.logger.info('AI provider asked to wait, delaying the job', { evaluationId: evaluation.id, retryAfterMs });
          await job.moveToDelayed(Date.now() + retryAfterMs, token);
          throw new DelayedError();
        }
        throw err;
      }
      await evaluation.update({
        status: 'completed',
        result: review.result,
        metrics,
        model: review.model,
        completedAt: new Date(),
      });
      notify(evaluation, submission.userId);
      return evaluation.status;
    },

    async onFinalFailure(job: Job<AiEvaluationJob>, error: Error) {
      const evaluation = await AiEvaluation.findByPk(job.data.evaluationId);
      if (!evaluation || evaluation.status === 'completed') return;
      await evaluation.update({
        status: 'failed',
        error: error.message,
        attempts: Math.max(evaluation.attempts, job.attemptsMade),
        completedAt: new Date(),
      });
      const submission = await CodingSubmission.findByPk(evaluation.codingSubmissionId, { attributes: ['id', 'userId'] });
      if (submission) notify(evaluation, submission.userId);
    },
  };
}
