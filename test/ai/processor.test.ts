import { expect } from 'chai';
import type { Worker } from 'bullmq';
import type { Socket } from 'socket.io-client';
import { AiEvaluation } from '../../common/models';
import { enqueue } from '../../common/queues';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { aiEvaluationProcessor } from '../../worker/ai/processor';
import type { WorkerDeps } from '../../worker/deps';
import { apiDeps, testWorkerDeps } from '../support/deps';
import { createSchool, tokenFor } from '../support/factories';
import { startLiveServer, connectClient, type LiveServer } from '../support/realtime';
import { startFakeChatServer, completion, validResult, type FakeChatServer } from './fake-chat-server';
import { createGradedSubmission, settled, HIDDEN_STDIN } from './fixtures';

interface Evaluated {
  evaluationId: string;
  submissionId: string;
  status: string;
}

describe('AI evaluation worker', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  let live: LiveServer;
  let socket: Socket;
  let fake: FakeChatServer;
  let worker: Worker | undefined;

  const run = (deps: WorkerDeps) => {
    worker = startQueueWorker(deps, 'ai-evaluation', aiEvaluationProcessor(deps), 1) as unknown as Worker;
  };
  const request = async (opts: { status?: 'completed' | 'running'; attempts?: number } = {}) => {
    const { submission } = await createGradedSubmission(school.student, { status: opts.status });
    const evaluation = await AiEvaluation.create({
      codingSubmissionId: submission.id,
      requestedBy: school.student.id,
      provider: null,
      model: null,
    });
    // listening before the job exists, so a fast worker cannot publish before anyone hears it
    const event = eventFor(evaluation.id);
    event.catch(() => undefined);
    await enqueue(apiDeps().queues, 'ai-evaluation', { evaluationId: evaluation.id }, { jobId: evaluation.id, attempts: opts.attempts ?? 1 });
    return { submission, evaluation, event };
  };
  const modelDeps = (overrides: Record<string, string> = {}) =>
    testWorkerDeps({ AI_API_KEY: 'sk-worker-test-key', AI_BASE_URL: fake.baseUrl, AI_MODEL: 'fake-model', AI_MAX_RETRIES: '0', ...overrides });

  /** The `ai:evaluated` event of one evaluation; events of earlier tests may still be on their way. */
  const eventFor = (evaluationId: string) =>
    new Promise<Evaluated>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ai:evaluated for ${evaluationId}`)), 10_000);
      const listener = (payload: Evaluated) => {
        if (payload.evaluationId !== evaluationId) return;
        clearTimeout(timer);
        socket.off('ai:evaluated', listener);
        resolve(payload);
      };
      socket.on('ai:evaluated', listener);
    });

  before(async () => {
    // jobs another file left waiting would reach these workers and the fake provider
    await apiDeps().queues['ai-evaluation'].drain(true);
    school = await createSchool();
    fake = await startFakeChatServer();
    live = await startLiveServer();
    socket = await connectClient(live.url, tokenFor(school.student));
  });
  after(async () => {
    socket?.close();
    await live?.close();
    await fake?.close();
  });
  afterEach(async () => {
    if (worker) await closeWorkers([worker], 5000);
    worker = undefined;
  });

  it("without an API key, stores the static reviewer's facts and tells the student", async () => {
    run(testWorkerDeps());
    const { evaluation, submission, event: published } = await request();
    const event = await published;
    expect(event).to.deep.equal({ evaluationId: evaluation.id, submissionId: submission.id, status: 'completed' });

    const stored = await settled(evaluation.id);
    expect(stored.status).to.equal('completed');
    expect(stored.provider).to.equal('static');
    expect(stored.model).to.equal(null);
    expect(stored.metrics).to.include({ language: 'javascript', method: 'parser', functionCount: 1 });
    expect(stored.metrics!.functions[0]).to.include({ name: 'sum', complexity: 3, maxNesting: 2 });
    expect(stored.metrics!.tests).to.deep.equal({ passed: 2, total: 3, score: 4, maxScore: 6, verdict: 'wrong_answer' });
    const correctness = stored.result!.rubric.find((r) => r.criterion === 'correctness');
    expect(correctness).to.include({ score: 6.7, max: 10 });
    expect(stored.result!.issues).to.include('1 of 3 tests fail (verdict wrong_answer).');
  });

  it("with a provider configured, stores the model's validated result and the model it names", async () => {
    fake.script(completion(validResult));
    run(modelDeps());
    const { evaluation } = await request();
    const stored = await settled(evaluation.id);
    expect(stored.status).to.equal('completed');
    expect(stored.provider).to.equal('openai-compatible');
    expect(stored.model).to.equal('fake-model-1');
    expect(stored.result!.summary).to.equal(validResult.summary);
    expect(stored.result!.issues).to.deep.equal(validResult.issues);
    expect(stored.result!.rubric[1]).to.deep.equal(validResult.rubric[1]);
    expect(stored.metrics).to.include({ method: 'parser' });
  });

  it('sets the correctness score from the tests, whatever the model scored', async () => {
    // the model claims 9 of 10; the tests gave 4 of 6 points
    fake.script(completion(validResult));
    run(modelDeps());
    const { evaluation } = await request();
    const stored = await settled(evaluation.id);
    expect(stored.result!.rubric[0]).to.deep.equal({
      criterion: 'correctness',
      score: 6.7,
      max: 10,
      comment: 'Score 4 of 6; 2 of 3 tests passed.',
    });
  });

  it("sends the model the task, the code and the results, but never a hidden test's input", async () => {
    fake.script(completion(validResult));
    run(modelDeps());
    const { evaluation } = await request();
    await settled(evaluation.id);
    const prompt = fake.requests[0]!.body.messages!.map((m) => m.content).join('\n');
    expect(prompt).to.contain('Sum of input numbers');
    expect(prompt).to.contain('function sum(text)');
    expect(prompt).to.contain('negative numbers: wrong_answer');
    expect(prompt).to.contain('"-1 -2"');
    expect(prompt).to.contain('(hidden test)');
    expect(prompt).not.to.contain(HIDDEN_STDIN);
    expect(prompt).not.to.contain('big input');
  });

  it('records a malformed reply as a failed evaluation with the error, after one attempt only', async () => {
    fake.script(completion('I think the code is fine.'));
    run(modelDeps());
    const { evaluation, event: published } = await request({ attempts: 3 });
    const event = await published;
    expect(event.status).to.equal('failed');
    const stored = await settled(evaluation.id);
    expect(stored.status).to.equal('failed');
    expect(stored.error).to.match(/reply is not JSON: I think the code is fine/);
    expect(stored.attempts).to.equal(1);
    expect(fake.requests).to.have.length(1);
  });

  it("retries a provider that keeps failing with the job's backoff and then records the last error", async () => {
    fake.script({ status: 503, body: '{"error":{"message":"overloaded"}}' });
    run(modelDeps());
    const { evaluation } = await request({ attempts: 2 });
    const stored = await settled(evaluation.id);
    expect(stored.status).to.equal('failed');
    expect(stored.error).to.equal('The AI provider answered 503: overloaded');
    expect(stored.attempts).to.equal(2);
    expect(fake.requests).to.have.length(2);
  });

  it('puts the job off for the Retry-After a busy provider asks for, without counting a failed attempt, then completes', async () => {
    fake.script(
      { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"error":{"message":"slow down"}}' },
      completion(validResult),
    );
    run(modelDeps());
    const { evaluation } = await request({ attempts: 1 });
    // with one attempt only, a failed attempt would have ended the evaluation
    const stored = await settled(evaluation.id);
    expect(stored.status).to.equal('completed');
    expect(fake.requests).to.have.length(2);
    const queue = apiDeps().queues['ai-evaluation'];
    // the evaluation row is written a moment before BullMQ records the job as completed
    for (let i = 0; i < 200 && !(await (await queue.getJob(evaluation.id))!.isCompleted()); i++) await new Promise((r) => setTimeout(r, 25));
    const finished = (await queue.getJob(evaluation.id))!;
    expect(finished.attemptsStarted).to.equal(2);
    expect(finished.attemptsMade).to.equal(1);
  });

  it('fails an evaluation at once when the provider asks to wait longer than AI_RETRY_MAX_DELAY_MS', async () => {
    fake.script({
      status: 429,
      headers: { 'retry-after': '86400', 'content-type': 'application/json' },
      body: '{"error":{"message":"daily quota used"}}',
    });
    run(modelDeps({ AI_RETRY_MAX_DELAY_MS: '60000' }));
    const { evaluation } = await request({ attempts: 3 });
    const stored = await settled(evaluation.id);
    expect(stored.status).to.equal('failed');
    expect(stored.error).to.contain('daily quota used').and.to.contain('86400 s');
    expect(fake.requests).to.have.length(1);
  });

  it('finishes an evaluation that a worker which died mid-job left running', async () => {
    run(testWorkerDeps());
    const { submission } = await createGradedSubmission(school.student);
    const evaluation = await AiEvaluation.create({
      codingSubmissionId: submission.id,
      requestedBy: school.student.id,
      provider: 'static',
      model: null,
      status: 'running',
      attempts: 1,
      startedAt: new Date(),
    });
    await enqueue(apiDeps().queues, 'ai-evaluation', { evaluationId: evaluation.id }, { jobId: evaluation.id });
    const stored = await settled(evaluation.id);
    expect(stored.status).to.equal('completed');
    expect(stored.result!.summary).to.contain('Passed 2 of 3 tests');
  });

  it('leaves a completed evaluation as it is when its job runs again', async () => {
    run(testWorkerDeps());
    const { submission } = await createGradedSubmission(school.student);
    const result = { summary: 'kept', strengths: [], issues: [], suggestions: [], rubric: [{ criterion: 'c', score: 1, max: 1, comment: '' }] };
    const evaluation = await AiEvaluation.create({
      codingSubmissionId: submission.id,
      requestedBy: school.student.id,
      provider: 'static',
      model: null,
      status: 'completed',
      result,
    });
    const job = await apiDeps().queues['ai-evaluation'].add('ai-evaluation', { evaluationId: evaluation.id }, { jobId: evaluation.id });
    for (let i = 0; i < 200 && !(await job.isCompleted()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await job.isCompleted()).to.equal(true);
    await evaluation.reload();
    expect(evaluation.result).to.deep.equal(result);
  });

  it('fails an evaluation of a submission that has not been graded, without retrying', async () => {
    run(testWorkerDeps());
    const { evaluation } = await request({ status: 'running', attempts: 3 });
    const stored = await settled(evaluation.id);
    expect(stored.status).to.equal('failed');
    expect(stored.error).to.equal('The submission has not been graded');
    expect(stored.result).to.equal(null);
  });
});
