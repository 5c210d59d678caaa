import { expect } from 'chai';
import { Job } from 'bullmq';
import { apiDeps } from '../support/deps';
import { CodingSubmission } from '../../common/models';
import { makeTask, settled, startGradingWorker, submitDirect, testCase, type RunningWorker } from './helpers';

/**
 * A test that runs for longer than the job lock lasts: the worker must keep renewing the lock while
 * the sandbox works (the program runs in a child process, so the worker's event loop stays free),
 * or its own stalled-job check would take the job away mid-grading.
 */
describe('coding lab: the job lock while a long test runs', function () {
  this.timeout(60_000);
  const lock = { lockDuration: 1000, stalledInterval: 500 };
  let worker: RunningWorker;
  const stalled: string[] = [];

  before(async () => {
    worker = await startGradingWorker({ workerOptions: lock, concurrency: 1 });
    worker.worker.on('stalled', (jobId) => stalled.push(jobId));
  });
  after(async () => worker?.close());

  it('keeps the lock of a JavaScript grading that outlasts it several times, so the job is never stalled and completes once', async () => {
    const task = await makeTask({
      timeLimitMs: 10_000,
      tests: [testCase({ name: 'slow', stdin: '', expected: 'done' })],
    });
    // busy for four lock durations of CPU time, well inside the task's time limit
    const id = await submitDirect(
      task,
      'javascript',
      `const end = Date.now() + ${lock.lockDuration * 4};\nwhile (Date.now() < end) {}\nconsole.log('done');`,
    );
    const done = await settled(id);
    expect(done.status).to.equal('completed');
    expect(done.verdict).to.equal('accepted');
    expect(stalled).to.not.include(id);
    const job = await Job.fromId(apiDeps().queues.grading, id);
    expect(job?.stalledCounter ?? 0).to.equal(0);
    expect(job?.attemptsMade).to.equal(1);
    expect((await CodingSubmission.findByPk(id))?.status).to.equal('completed');
  });
});
