import { expect } from 'chai';
import request from 'supertest';
import type { Worker } from 'bullmq';
import { AiEvaluation } from '../../common/models';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { aiEvaluationProcessor } from '../../worker/ai/processor';
import { app, apiDeps, isolatedApp, testWorkerDeps } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { createGradedSubmission, settled } from './fixtures';

describe('AI evaluation API', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  const evaluate = (submissionId: string) => `/api/v2/coding-lab/submissions/${submissionId}/evaluate`;
  const queue = () => apiDeps().queues['ai-evaluation'];

  before(async () => {
    app();
    school = await createSchool();
  });
  // nothing consumes the queue here; leave no job behind for the next file's workers
  afterEach(async () => {
    await queue().drain(true);
  });
  after(async () => {
    await queue().obliterate({ force: true });
  });

  it("queues an evaluation of the student's own graded submission and answers 202 with its id", async () => {
    const { submission } = await createGradedSubmission(school.student);
    const res = await request(app()).post(evaluate(submission.id)).set(bearer(school.student)).expect(202);
    expect(res.body.data).to.have.keys(['id', 'status']);
    expect(res.body.data.status).to.equal('queued');
    expect(res.headers.location).to.equal(`/api/v2/ai-evaluations/${res.body.data.id}`);
    const stored = await AiEvaluation.findByPk(res.body.data.id);
    expect(stored).to.include({ codingSubmissionId: submission.id, requestedBy: school.student.id, status: 'queued' });
    const job = await queue().getJob(res.body.data.id);
    expect(job?.data).to.deep.equal({ evaluationId: res.body.data.id });
  });

  it('answers the evaluation already waiting instead of queueing a second one', async () => {
    const { submission } = await createGradedSubmission(school.student);
    const first = await request(app()).post(evaluate(submission.id)).set(bearer(school.student)).expect(202);
    const second = await request(app()).post(evaluate(submission.id)).set(bearer(school.teacher)).expect(202);
    expect(second.body.data.id).to.equal(first.body.data.id);
    expect(await AiEvaluation.count({ where: { codingSubmissionId: submission.id } })).to.equal(1);
  });

  it("lets a teacher of the student's classroom and an admin ask for an evaluation", async () => {
    const { submission: a } = await createGradedSubmission(school.student);
    const { submission: b } = await createGradedSubmission(school.student);
    await request(app()).post(evaluate(a.id)).set(bearer(school.teacher)).expect(202);
    await request(app()).post(evaluate(b.id)).set(bearer(school.admin)).expect(202);
  });

  it('answers 404 to a classmate, a student of another class and a teacher of another class', async () => {
    const { submission } = await createGradedSubmission(school.student);
    for (const user of [school.classmate, school.outsider, school.otherTeacher]) {
      const res = await request(app()).post(evaluate(submission.id)).set(bearer(user)).expect(404);
      expect(res.body.error.code).to.equal('NOT_FOUND');
    }
    expect(await AiEvaluation.count({ where: { codingSubmissionId: submission.id } })).to.equal(0);
  });

  it('refuses a submission that is not graded yet with 409 SUBMISSION_NOT_GRADED', async () => {
    const { submission } = await createGradedSubmission(school.student, { status: 'running' });
    const res = await request(app()).post(evaluate(submission.id)).set(bearer(school.student)).expect(409);
    expect(res.body.error).to.include({ code: 'SUBMISSION_NOT_GRADED' });
    expect(res.body.error.details).to.deep.equal({ status: 'running' });
  });

  it('refuses fields in the body, a malformed id and a missing token', async () => {
    const { submission } = await createGradedSubmission(school.student);
    const bad = await request(app()).post(evaluate(submission.id)).set(bearer(school.student)).send({ provider: 'static' }).expect(400);
    expect(bad.body.error.details[0].field).to.equal('provider');
    await request(app()).post(evaluate('not-a-uuid')).set(bearer(school.student)).expect(400);
    await request(app()).post(evaluate(submission.id)).expect(401);
  });

  it('limits how often one user may ask, answering 429 with Retry-After', async () => {
    const limited = isolatedApp({ AI_EVALUATE_RATE_LIMIT_MAX: '2' });
    // a fresh user: the counters live in Redis and are shared with every app of the run
    const student = await createUser({ role: 'student', classroomId: school.classroom.id });
    const { submission } = await createGradedSubmission(student);
    await request(limited.app).post(evaluate(submission.id)).set(bearer(student)).expect(202);
    await request(limited.app).post(evaluate(submission.id)).set(bearer(student)).expect(202);
    const res = await request(limited.app).post(evaluate(submission.id)).set(bearer(student)).expect(429);
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
  });

  it('answers 503 with Retry-After when too many evaluations are waiting', async () => {
    const small = isolatedApp({ AI_QUEUE_MAX_DEPTH: '1' });
    const { submission: a } = await createGradedSubmission(school.student);
    const { submission: b } = await createGradedSubmission(school.student);
    await request(small.app).post(evaluate(a.id)).set(bearer(school.student)).expect(202);
    const res = await request(small.app).post(evaluate(b.id)).set(bearer(school.student)).expect(503);
    expect(res.body.error.code).to.equal('QUEUE_FULL');
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
  });

  it('answers 404 for an evaluation that does not exist', async () => {
    await request(app()).get('/api/v2/ai-evaluations/00000000-0000-4000-8000-000000000000').set(bearer(school.admin)).expect(404);
  });

  describe('after the worker ran', () => {
    let worker: Worker;
    let evaluationId: string;
    let submissionId: string;

    before(async () => {
      const deps = testWorkerDeps();
      worker = startQueueWorker(deps, 'ai-evaluation', aiEvaluationProcessor(deps), 1) as unknown as Worker;
      const { submission } = await createGradedSubmission(school.student);
      submissionId = submission.id;
      const res = await request(app()).post(evaluate(submission.id)).set(bearer(school.student)).expect(202);
      evaluationId = res.body.data.id;
      await settled(evaluationId);
    });
    after(async () => {
      await closeWorkers([worker], 5000);
    });

    it('shows the owner the completed evaluation with its result and metrics', async () => {
      const res = await request(app()).get(`/api/v2/ai-evaluations/${evaluationId}`).set(bearer(school.student)).expect(200);
      expect(res.body.data).to.include({ id: evaluationId, submissionId, status: 'completed', provider: 'static', model: null, error: null });
      expect(res.body.data.result.rubric.map((r: { criterion: string }) => r.criterion)).to.deep.equal([
        'correctness',
        'complexity',
        'structure',
        'documentation',
      ]);
      expect(res.body.data.metrics.functions[0].name).to.equal('sum');
    });

    it('shows the teacher of the classroom the same evaluation, and a student of another class 404', async () => {
      await request(app()).get(`/api/v2/ai-evaluations/${evaluationId}`).set(bearer(school.teacher)).expect(200);
      const res = await request(app()).get(`/api/v2/ai-evaluations/${evaluationId}`).set(bearer(school.outsider)).expect(404);
      expect(res.body.error.code).to.equal('NOT_FOUND');
    });

    it("lists a submission's evaluations newest first with pagination", async () => {
      const again = await request(app()).post(evaluate(submissionId)).set(bearer(school.student)).expect(202);
      expect(again.body.data.id).not.to.equal(evaluationId);
      await settled(again.body.data.id);
      const res = await request(app()).get(`/api/v2/coding-lab/submissions/${submissionId}/evaluations`).set(bearer(school.student)).expect(200);
      expect(res.body.meta).to.deep.equal({ page: 1, pageSize: 20, total: 2 });
      expect(res.body.data.map((e: { id: string }) => e.id)).to.deep.equal([again.body.data.id, evaluationId]);
      const page2 = await request(app())
        .get(`/api/v2/coding-lab/submissions/${submissionId}/evaluations?page=2&pageSize=1`)
        .set(bearer(school.student))
        .expect(200);
      expect(page2.body.data.map((e: { id: string }) => e.id)).to.deep.equal([evaluationId]);
    });

    it('answers 404 for the list of a submission the caller may not read', async () => {
      await request(app()).get(`/api/v2/coding-lab/submissions/${submissionId}/evaluations`).set(bearer(school.classmate)).expect(404);
    });
  });
});
