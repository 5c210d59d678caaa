import { UnrecoverableError, type Job } from 'bullmq';
import { AiEvaluation, CodingSubmission } from '../../common/models';
import type { AiEvaluationJob } from '../../common/queues';
import { rooms } from '../../common/realtime/events';
import { aiEvaluated } from '../../common/notifications/triggers';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { AiProviderError } from '../ai/chat-client';
import { loadEvaluationInput } from '../ai/load-input';
import { measureCode } from '../ai/metrics';
import { createReviewer, type Reviewer } from '../ai/reviewer';

/**
 * Evaluates one graded submission: measures the code, asks the configured reviewer, stores the
 * result and tells the student (and whoever asked) over Socket.IO. A provider that refuses the
 * request or answers something unreadable fails the job at once; a busy or silent provider is
 * retried with the job's backoff, and the last failure is stored on the evaluation.
 */
export function aiEvaluationProcessor(deps: WorkerDeps, reviewer: Reviewer = createReviewer(deps.config, deps.logger)): ProcessorDefinition<AiEvaluationJob, string> {
  const notify = (evaluation: AiEvaluation, studentId: string) => {
    const targets = [rooms.user(studentId)];
    if (evaluation.requestedBy && evaluation.requestedBy !== studentId) targets.push(rooms.user(evaluation.requestedBy));
    deps.realtime.publish(targets, 'ai:evaluated', {
      evaluationId: evaluation.id,
      submissionId: evaluation.codingSubmissionId,
      status: evaluation.status,
    });
    const userIds = [studentId, ...(evaluation.requestedBy ? [evaluation.requestedBy] : [])];
    aiEvaluated(deps.realtime, { evaluationId: evaluation.id, submissionId: evaluation.codingSubmissionId, status: evaluation.status, userIds }).catch(
      (err: Error) => deps.logger.warn('evaluation notification failed', { evaluationId: evaluation.id, error: err.message }),
    );
  };

  return {
    async process(job: Job<AiEvaluationJob, string>) {
      const evaluation = await AiEvaluation.findByPk(job.data.evaluationId);
      if (!evaluation) throw new UnrecoverableError(`AI evaluation ${job.data.evaluationId} does not exist`);
      // a stalled job that comes back after another attempt finished has nothing left to do
      if (evaluation.status === 'completed') return evaluation.status;
      const submission = await CodingSubmission.findByPk(evaluation.codingSubmissionId);
      if (!submission) throw new UnrecoverableError('The submission was deleted');
      if (submission.status !== 'completed') throw new UnrecoverableError('The submission has not been graded');

      await evaluation.update({ status: 'running', startedAt: new Date(), attempts: job.attemptsMade + 1, provider: reviewer.provider, error: null });
      const input = await loadEvaluationInput(submission);
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
        // back to waiting for the job's next attempt, with the reason in sight meanwhile
        await evaluation.update({ status: 'queued', error: (err as Error).message });
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

    async onFinalFailure(job, error) {
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
