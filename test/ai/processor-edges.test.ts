import { expect } from 'chai';
import type { Job } from 'bullmq';
import { AiEvaluation, CodingTask } from '../../common/models';
import type { AiEvaluationJob } from '../../common/queues';
import { aiEvaluationProcessor } from '../../worker/ai/processor';
import type { Reviewer } from '../../worker/ai/reviewer';
import { loadEvaluationInput } from '../../worker/ai/load-input';
import { testWorkerDeps } from '../support/deps';
import { createSchool } from '../support/factories';
import { createGradedSubmission } from './fixtures';
import { validResult } from './fake-chat-server';

/** A job as the processor sees it, for a call made without a queue. */
const jobFor = (evaluationId: string) => ({ data: { evaluationId }, attemptsMade: 0, attemptsStarted: 1 }) as unknown as Job<AiEvaluationJob>;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('AI evaluation worker: missing data and odd failures', () => {
  const deps = testWorkerDeps();
  let school: Awaited<ReturnType<typeof createSchool>>;
  const reviewed: string[] = [];
  const reviewer: Reviewer = {
    provider: 'static',
    review: async (input) => {
      reviewed.push(input.task.title);
      return { result: validResult, model: null };
    },
  };

  before(async () => {
    school = await createSchool();
  });

  const evaluationOf = (submissionId: string, requestedBy: string | null) =>
    AiEvaluation.create({ codingSubmissionId: submissionId, requestedBy, provider: null, model: null });

  it('gives up for good on an evaluation whose row is gone', async () => {
    const err = await rejection(aiEvaluationProcessor(deps, reviewer).process(jobFor('00000000-0000-4000-8000-00000000e001')));
    expect(err.name).to.equal('UnrecoverableError');
    expect(err.message).to.match(/does not exist/);
  });

  it('completes an evaluation a teacher asked for, and one nobody is named for', async () => {
    for (const requestedBy of [school.teacher.id, null]) {
      const { submission } = await createGradedSubmission(school.student);
      const evaluation = await evaluationOf(submission.id, requestedBy);
      expect(await aiEvaluationProcessor(deps, reviewer).process(jobFor(evaluation.id))).to.equal('completed');
      expect((await evaluation.reload()).status).to.equal('completed');
    }
  });

  it('reviews a submission whose task was deleted for good after it was read as "(deleted task)"', async () => {
    const { submission, task } = await createGradedSubmission(school.student);
    await CodingTask.destroy({ where: { id: task.id }, force: true });
    const input = await loadEvaluationInput(submission, deps.config.sandbox.hiddenFigures);
    expect(input.task).to.deep.equal({ title: '(deleted task)', description: '' });
  });

  it('puts an evaluation back to waiting with the reason when the reviewer fails with an error of its own', async () => {
    const { submission } = await createGradedSubmission(school.student);
    const evaluation = await evaluationOf(submission.id, school.student.id);
    const broken: Reviewer = {
      provider: 'static',
      review: () => Promise.reject(new TypeError('cannot read the metrics')),
    };
    const err = await rejection(aiEvaluationProcessor(deps, broken).process(jobFor(evaluation.id)));
    expect(err).to.be.instanceOf(TypeError);
    await evaluation.reload();
    expect(evaluation).to.include({ status: 'queued', error: 'cannot read the metrics' });
  });

  it('leaves the row alone when the last failure comes for an evaluation that is gone or completed', async () => {
    const processor = aiEvaluationProcessor(deps, reviewer);
    await processor.onFinalFailure!(jobFor('00000000-0000-4000-8000-00000000e002'), new Error('late'));
    const { submission } = await createGradedSubmission(school.student);
    const evaluation = await evaluationOf(submission.id, null);
    await processor.process(jobFor(evaluation.id));
    await processor.onFinalFailure!(jobFor(evaluation.id), new Error('late'));
    await evaluation.reload();
    expect(evaluation.status).to.equal('completed');
    expect(evaluation.error).to.equal(null);
  });

  it('answers an evaluation that never ran with nulls where nothing is known yet', async () => {
    const { submission } = await createGradedSubmission(school.student);
    const evaluation = await evaluationOf(submission.id, null);
    const fresh = (await AiEvaluation.findByPk(evaluation.id))!;
    expect(fresh.toPublic()).to.include({ result: null, metrics: null, error: null, startedAt: null, completedAt: null });
  });
});
