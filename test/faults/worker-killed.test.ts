import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { expect } from 'chai';
import { Job, Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Socket } from 'socket.io-client';
import { app, apiDeps, testWorkerDeps } from '../support/deps';
import { createSchool, tokenFor } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { startLiveServer, connectClient, type LiveServer } from '../support/realtime';
import { CodingSubmission, type CodingTask } from '../../common/models';
import { enqueue, type GradingJob, type Queues } from '../../common/queues';
import { sweepGrading } from '../../worker/grading/sweep';
import { SubmissionGrader } from '../../worker/grading/grade-submission';
import { makeTask, settled, startGradingWorker, testCase } from '../coding-lab/helpers';
import { SHORT_LOCK } from '../coding-lab/fixtures/grading-worker';
import type { IsolatedVmRunner } from '../../worker/sandbox/isolate/runner';
import { until } from '../support/until';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** A worker process in its own process group, so SIGKILL takes its sandbox children with it. */
function spawnWorker(): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(TSX, [path.join(__dirname, '..', 'coding-lab', 'fixtures', 'grading-worker.ts')], {
    env: { ...process.env, ...TEST_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const errors: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (l) => errors.push(l));
  const ready = new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (l) => l === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${errors.join('\n')}`)));
  });
  return { child, ready };
}

describe('faults: a worker or a runner killed mid-grading (coding lab recovery)', function () {
  this.timeout(60_000);
  let school: Awaited<ReturnType<typeof createSchool>>;
  let task: CodingTask;

  before(async () => {
    app();
    school = await createSchool();
    // each test keeps the CPU busy for a while, so the kill lands mid-grading
    task = await makeTask({
      classroomId: school.classroom.id,
      timeLimitMs: 10_000,
      tests: [testCase({ name: 'slow one', expected: 'done' }), testCase({ name: 'slow two', expected: 'done' })],
    });
  });

  const createSubmission = async (source: string) => {
    const s = await CodingSubmission.create({
      taskId: task.id,
      userId: school.student.id,
      classroomId: school.classroom.id,
      language: 'javascript',
      files: [{ name: 'main.js', content: source }],
      attempt: 1,
      jobId: null,
    });
    s.jobId = s.id;
    await s.save();
    return s;
  };
  const SLOW = 'const t = Date.now(); while (Date.now() - t < 1500) {} console.log("done")';

  describe('a worker killed mid-job', () => {
    let live: LiveServer;
    let socket: Socket;
    let child: ChildProcess | undefined;
    before(async () => {
      live = await startLiveServer();
      socket = await connectClient(live.url, tokenFor(school.teacher));
    });
    after(async () => {
      socket?.close();
      await live?.close();
      if (child && child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    });

    it('leaves the job to stalled recovery, and a second worker completes the submission exactly once', async () => {
      const completions: string[] = [];
      socket.on('grading:completed', (p: { submissionId: string }) => completions.push(p.submissionId));

      const spawned = spawnWorker();
      child = spawned.child;
      await spawned.ready;
      const s = await createSubmission(SLOW);
      await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: s.id }, { jobId: s.id });
      await until(async () => (await CodingSubmission.findByPk(s.id))!.status === 'running');
      process.kill(-child.pid!, 'SIGKILL');
      await new Promise<void>((resolve) => (child!.exitCode !== null || child!.signalCode ? resolve() : child!.once('exit', () => resolve())));

      const second = await startGradingWorker({ workerOptions: SHORT_LOCK });
      try {
        const done = await settled(s.id);
        expect(done).to.include({ status: 'completed', verdict: 'accepted', score: 2, starts: 2 });
        const job = await Job.fromId(apiDeps().queues.grading, s.id);
        expect(await job!.getState()).to.equal('completed');
        // a marker after the completion proves no second completion is still on its way
        await until(async () => completions.includes(s.id));
        const marker = new Promise<void>((resolve) => socket.once('notification:new', () => resolve()));
        second.deps.realtime.publish(`user:${school.teacher.id}`, 'notification:new', { id: 'm', type: 'marker', title: 'm' });
        await marker;
        expect(completions.filter((id) => id === s.id)).to.have.length(1);
      } finally {
        await second.close();
      }
    });
  });

  describe('a runner killed under a submission', () => {
    it('ends the submission with internal_error after its attempts when the runner dies under every one', async () => {
      const w = await startGradingWorker();
      try {
        const runner = w.sandbox.runnerFor('javascript') as IsolatedVmRunner;
        // never ends by itself, so however late the kill lands on a loaded machine it lands mid-run
        const s = await createSubmission('while (true) {}');
        await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: s.id }, { jobId: s.id });
        // Kill the runner whenever it runs this submission, until the submission ends. A batch of
        // tests killed mid-way goes on one test at a time, so a single kill per attempt would only
        // move the program to a fresh child: every run has to die. A kill that lands while the
        // program is still being prepared (a loaded machine) is not a crash under a test: that
        // attempt is simply retried by its job, and the next one is killed too.
        for (;;) {
          const row = (await CodingSubmission.findByPk(s.id))!;
          if (row.status === 'completed' || row.status === 'failed') break;
          if (row.status === 'running') for (const pid of runner.childPids()) process.kill(pid, 'SIGKILL');
          await new Promise((r) => setTimeout(r, 300));
        }
        const done = await settled(s.id);
        // Killed under a test, the second crash completes it (runner_crashes 2); killed while the
        // program was being prepared, the job's attempts run out and it fails. Either way it ends
        // with a verdict, visibly, within its attempts.
        expect(done.verdict).to.equal('internal_error');
        expect(done.runnerCrashes).to.be.at.most(2);
        if (done.runnerCrashes === 2) expect(done).to.include({ status: 'completed' });
        else expect(done).to.include({ status: 'failed' });
        const job = await Job.fromId(apiDeps().queues.grading, s.id);
        expect(job!.attemptsMade).to.be.at.most(w.deps.config.worker.jobAttempts);
      } finally {
        await w.close();
      }
    });
  });

  describe('the reconciliation sweep', () => {
    it('enqueues again a submission the database shows queued but the queue lost, and it gets graded', async () => {
      const s = await createSubmission('console.log("done")');
      const w = await startGradingWorker({ sweepEveryMs: 200, staleAfterMs: 1 });
      try {
        const done = await settled(s.id);
        expect(done).to.include({ status: 'completed', verdict: 'accepted' });
      } finally {
        await w.close();
        await apiDeps().queues.grading.removeJobScheduler('grading-sweep');
      }
    });

    it('ends a submission whose job failed for good as failed with internal_error', async () => {
      const s = await createSubmission('console.log("done")');
      await s.update({ status: 'running' });
      // a queue of its own, so the job taken below can only be this one
      const deps = testWorkerDeps();
      const prefix = `${TEST_ENV.REDIS_PREFIX}sweep:bull`;
      const queue = new Queue<GradingJob>('grading', { connection: deps.redis.duplicate() as ConnectionOptions, prefix });
      const taker = new Worker<GradingJob>('grading', null, { connection: deps.redis.duplicate() as ConnectionOptions, prefix, autorun: false });
      try {
        await queue.add('grading', { kind: 'submission', submissionId: s.id }, { jobId: s.id, attempts: 1 });
        // the job reaches the failed set without the database hearing of it (as after too many stalls)
        const job = (await taker.getNextJob('token')) as Job<GradingJob>;
        await job.moveToFailed(new Error('job stalled more than allowable limit'), 'token');
        const grader = new SubmissionGrader({
          sequelize: deps.sequelize,
          realtime: deps.realtime,
          logger: deps.logger,
          sandbox: {
            runnerFor: () => {
              throw new Error('not used');
            },
          },
          hiddenFigures: deps.config.sandbox.hiddenFigures,
        });
        const report = await sweepGrading(
          { sequelize: deps.sequelize, queues: { grading: queue } as unknown as Queues, logger: deps.logger, grader },
          0,
        );
        expect(report.failed).to.be.at.least(1);
        const stored = await CodingSubmission.findByPk(s.id);
        expect(stored).to.include({ status: 'failed', verdict: 'internal_error', error: 'job stalled more than allowable limit' });
      } finally {
        await taker.close();
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });
  });
});
