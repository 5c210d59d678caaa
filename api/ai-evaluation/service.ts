import { UniqueConstraintError } from 'sequelize';
import { AiEvaluation, type CodingSubmission, type PublicAiEvaluation } from '../../common/models';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../../common/errors';
import { enqueue } from '../../common/queues';
import type { ApiDeps } from '../deps';
import { limitOffset, type Pagination } from '../../common/paging';
import { assertQueueHasRoom } from '../../common/queues/depth-guard';
import type { Actor } from '../access/classrooms';
import { CodingSubmissionService } from '../coding-lab/submission-access';

const QUEUE_RETRY_AFTER_S = 30;
const PENDING = ['queued', 'running'] as const;

export interface EvaluationRequest {
  evaluation: Pick<PublicAiEvaluation, 'id' | 'status'>;
  /** false when an evaluation of the submission was already waiting or running */
  created: boolean;
}

/**
 * AI evaluations of coding submissions: whoever may read a submission (its author, a teacher of
 * its classroom, an admin) may ask for one and read them; everyone else is told it does not exist.
 */
export class AiEvaluationService {
  constructor(private readonly deps: Pick<ApiDeps, 'queues' | 'config' | 'logger'>) {}

  async request(user: Actor, submissionId: string): Promise<EvaluationRequest> {
    const submission = await CodingSubmissionService.findReadable(user, submissionId);
    if (submission.status !== 'completed') {
      throw new ConflictError('Only a graded submission can be evaluated; this one is not graded yet', 'SUBMISSION_NOT_GRADED', {
        status: submission.status,
      });
    }
    const pending = await this.pendingOf(submission);
    if (pending) return { evaluation: { id: pending.id, status: pending.status }, created: false };
    await assertQueueHasRoom(this.deps.queues['ai-evaluation'], this.deps.config.ai.queueMaxDepth, 'evaluation');

    let evaluation: AiEvaluation;
    try {
      evaluation = await AiEvaluation.create({ codingSubmissionId: submission.id, requestedBy: user.id, provider: null, model: null });
    } catch (err) {
      // two requests at once: the partial unique index let one through, the other joins it
      if (err instanceof UniqueConstraintError) {
        const winner = await this.pendingOf(submission);
        if (winner) return { evaluation: { id: winner.id, status: winner.status }, created: false };
      }
      throw err;
    }
    try {
      await enqueue(this.deps.queues, 'ai-evaluation', { evaluationId: evaluation.id }, { jobId: evaluation.id });
    } catch (err) {
      await evaluation.update({ status: 'failed', error: 'The evaluation could not be queued' });
      this.deps.logger.error('could not enqueue an AI evaluation', { evaluationId: evaluation.id, error: (err as Error).message });
      throw new ServiceUnavailableError('The evaluation queue is unavailable, try again shortly', QUEUE_RETRY_AFTER_S, 'QUEUE_UNAVAILABLE');
    }
    return { evaluation: { id: evaluation.id, status: evaluation.status }, created: true };
  }

  async listForSubmission(user: Actor, submissionId: string, page: Pagination): Promise<{ data: PublicAiEvaluation[]; total: number }> {
    const submission = await CodingSubmissionService.findReadable(user, submissionId);
    const { rows, count } = await AiEvaluation.findAndCountAll({
      where: { codingSubmissionId: submission.id },
      order: [
        ['createdAt', 'DESC'],
        ['id', 'DESC'],
      ],
      ...limitOffset(page),
    });
    return { data: rows.map((e) => e.toPublic()), total: count };
  }

  async get(user: Actor, id: string): Promise<PublicAiEvaluation> {
    const evaluation = await AiEvaluation.findByPk(id);
    if (!evaluation) throw new NotFoundError('AI evaluation');
    try {
      await CodingSubmissionService.findReadable(user, evaluation.codingSubmissionId);
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError('AI evaluation');
      throw err;
    }
    return evaluation.toPublic();
  }

  private pendingOf(submission: CodingSubmission): Promise<AiEvaluation | null> {
    return AiEvaluation.findOne({ where: { codingSubmissionId: submission.id, status: [...PENDING] } });
  }
}
