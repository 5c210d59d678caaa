import { expect } from 'chai';
import request from 'supertest';
import type { Worker } from 'bullmq';
import type { Socket } from 'socket.io-client';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { aiEvaluationProcessor } from '../../worker/ai/processor';
import { app, apiDeps, testWorkerDeps } from '../support/deps';
import { bearer, createSchool, tokenFor } from '../support/factories';
import { startLiveServer, connectClient, type LiveServer } from '../support/realtime';
import { makeTask, settled as graded, startGradingWorker, testCase, type RunningWorker } from '../coding-lab/helpers';
import { settled } from './fixtures';

/** A student's JavaScript with one helper function, graded for real and then evaluated. */
const SOURCE = `// adds the numbers read from stdin
function total(text) {
  let sum = 0;
  for (const word of text.split(/\\s+/)) {
    if (word) sum += Number(word);
  }
  return sum;
}
console.log(total(stdin));
`;

describe('AI evaluation end to end', function () {
  this.timeout(60_000);
  let school: Awaited<ReturnType<typeof createSchool>>;
  let grading: RunningWorker;
  let aiWorker: Worker;
  let live: LiveServer;
  let socket: Socket;

  before(async () => {
    app();
    await apiDeps().queues['ai-evaluation'].drain(true);
    school = await createSchool();
    grading = await startGradingWorker({ concurrency: 1 });
    const deps = testWorkerDeps();
    aiWorker = startQueueWorker(deps, 'ai-evaluation', aiEvaluationProcessor(deps), 1) as unknown as Worker;
    live = await startLiveServer();
    socket = await connectClient(live.url, tokenFor(school.student));
  });
  after(async () => {
    socket?.close();
    await live?.close();
    if (aiWorker) await closeWorkers([aiWorker], 5000);
    await grading?.close();
  });

  it('grades a submission made through the API, evaluates it on request and pushes the result to the student', async () => {
    const task = await makeTask({
      languages: ['javascript'],
      tests: [
        testCase({ name: 'two numbers', stdin: '1 2', expected: '3', points: 2 }),
        testCase({ name: 'hidden sum', stdin: '40 2', expected: '41', points: 3, visibility: 'hide' }),
      ],
    });
    const submitted = await request(app())
      .post('/api/v2/coding-lab/submissions')
      .set(bearer(school.student))
      .send({ taskId: task.id, language: 'javascript', source: SOURCE })
      .expect(202);
    const submission = await graded(submitted.body.data.id);
    expect(submission.status).to.equal('completed');

    const event = new Promise<{ evaluationId: string; status: string }>((resolve) => socket.once('ai:evaluated', resolve));
    const asked = await request(app()).post(`/api/v2/coding-lab/submissions/${submission.id}/evaluate`).set(bearer(school.student)).expect(202);
    expect((await event).evaluationId).to.equal(asked.body.data.id);
    await settled(asked.body.data.id);

    const res = await request(app()).get(`/api/v2/ai-evaluations/${asked.body.data.id}`).set(bearer(school.student)).expect(200);
    const evaluation = res.body.data;
    expect(evaluation).to.include({ status: 'completed', provider: 'static' });
    // the hidden test expects 41 for 40 + 2, so it fails: 2 of 5 points
    expect(evaluation.metrics.tests).to.deep.equal({ passed: 1, total: 2, score: 2, maxScore: 5, verdict: 'wrong_answer' });
    expect(evaluation.metrics.functions).to.deep.equal([{ name: 'total', file: 'main.js', line: 2, lines: 7, complexity: 3, maxNesting: 2 }]);
    expect(evaluation.result.issues).to.include('1 of 2 tests fail (verdict wrong_answer).');
    expect(evaluation.result.suggestions.join(' ')).to.contain('Only hidden tests fail');
  });
});
