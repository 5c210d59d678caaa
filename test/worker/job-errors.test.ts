import { expect } from 'chai';
import { Queue, QueueEvents, type ConnectionOptions, type Job } from 'bullmq';
import { bullPrefix, defaultJobOptions } from '../../common/queues';
import { ConflictError, NotFoundError, AppError } from '../../common/errors';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { testWorkerDeps } from '../support/deps';

interface Task {
  fail: 'not-found' | 'conflict' | 'server';
}

describe('worker: errors thrown inside a job', () => {
  const deps = testWorkerDeps();
  const queueName = `test-errors-${Date.now()}`;
  let queue: Queue<Task>;
  let events: QueueEvents;

  before(async () => {
    queue = new Queue<Task>(queueName, {
      connection: deps.redis.duplicate() as ConnectionOptions,
      prefix: bullPrefix(deps.config),
      defaultJobOptions: { ...defaultJobOptions(deps.config), attempts: 3, backoff: { type: 'fixed', delay: 10 } },
    });
    events = new QueueEvents(queueName, { connection: deps.redis.duplicate() as ConnectionOptions, prefix: bullPrefix(deps.config) });
    await events.waitUntilReady();
  });
  after(async () => {
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  async function run(fail: Task['fail']): Promise<{ job: Job<Task>; finalError: Error }> {
    let finalError!: Error;
    let finalSeen!: () => void;
    const final = new Promise<void>((resolve) => (finalSeen = resolve));
    const worker = startQueueWorker<Task, string>(
      deps,
      queueName,
      {
        process: async (job) => {
          if (job.data.fail === 'not-found') throw new NotFoundError('Submission');
          if (job.data.fail === 'conflict') throw new ConflictError('already graded');
          throw new AppError(503, 'UNAVAILABLE', 'storage is away');
        },
        onFinalFailure: async (_job, error) => {
          finalError = error;
          finalSeen();
        },
      },
      1,
    );
    try {
      const added = await queue.add('task', { fail });
      await added.waitUntilFinished(events, 10_000).catch(() => undefined);
      await final;
      return { job: (await queue.getJob(added.id!))!, finalError };
    } finally {
      await closeWorkers([worker], 5000);
    }
  }

  it('ends a job that throws a 404 AppError after one attempt, as BullMQ UnrecoverableError', async () => {
    const { job, finalError } = await run('not-found');
    expect(job.attemptsMade).to.equal(1);
    expect(finalError.name).to.equal('UnrecoverableError');
    expect(finalError.message).to.equal('Submission not found');
  });

  it('ends a job that throws any other 4xx AppError after one attempt', async () => {
    const { job } = await run('conflict');
    expect(job.attemptsMade).to.equal(1);
    expect(job.failedReason).to.equal('already graded');
  });

  it('retries a job that throws a 5xx AppError with the queue backoff, up to its attempts', async () => {
    const { job, finalError } = await run('server');
    expect(job.attemptsMade).to.equal(3);
    expect(finalError.name).to.equal('AppError');
  });
});
