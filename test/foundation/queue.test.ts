import { expect } from 'chai';
import { Queue, QueueEvents, type ConnectionOptions, type Job } from 'bullmq';
import { bullPrefix, defaultJobOptions } from '../../common/queues';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { testWorkerDeps } from '../support/deps';

interface Echo {
  text: string;
  failTimes?: number;
}

describe('job queue', () => {
  const deps = testWorkerDeps();
  const queueName = `test-echo-${Date.now()}`;
  let queue: Queue<Echo>;
  let events: QueueEvents;

  before(async () => {
    queue = new Queue<Echo>(queueName, {
      connection: deps.redis.duplicate() as ConnectionOptions,
      prefix: bullPrefix(deps.config),
      defaultJobOptions: defaultJobOptions(deps.config),
    });
    events = new QueueEvents(queueName, { connection: deps.redis.duplicate() as ConnectionOptions, prefix: bullPrefix(deps.config) });
    await events.waitUntilReady();
  });

  after(async () => {
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('has a job enqueued by the API side processed by a worker, with its completion event received', async () => {
    const worker = startQueueWorker<Echo, string>(deps, queueName, { process: async (job) => job.data.text.toUpperCase() }, 1);
    try {
      const job = await queue.add('echo', { text: 'halo' });
      const result = await job.waitUntilFinished(events, 10_000);
      expect(result).to.equal('HALO');
    } finally {
      await closeWorkers([worker], 5000);
    }
  });

  it('retries a failing job with backoff and then leaves it in the failed set, calling the final-failure hook once', async () => {
    const finalFailures: string[] = [];
    const worker = startQueueWorker<Echo, string>(
      deps,
      queueName,
      {
        process: async () => {
          throw new Error('smtp down');
        },
        onFinalFailure: async (job: Job<Echo, string>) => {
          finalFailures.push(String(job.id));
        },
      },
      1,
    );
    try {
      const job = await queue.add('echo', { text: 'x' }, { attempts: 3 });
      const failed = new Promise<void>((resolve) => {
        events.on('failed', ({ jobId }) => {
          if (jobId === job.id) void queue.getJob(job.id!).then((j) => j && j.attemptsMade >= 3 && resolve());
        });
      });
      await failed;
      const stored = await queue.getJob(job.id!);
      expect(await stored!.getState()).to.equal('failed');
      expect(stored!.attemptsMade).to.equal(3);
      expect(stored!.failedReason).to.equal('smtp down');
      // the hook runs from the worker's 'failed' listener, a moment after the queue event
      for (let i = 0; i < 100 && finalFailures.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(finalFailures).to.deep.equal([job.id]);
    } finally {
      await closeWorkers([worker], 5000);
    }
  });

  it('lets a running job finish when the worker is closed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const worker = startQueueWorker<Echo, string>(
      deps,
      queueName,
      {
        process: async (job) => {
          started();
          await gate;
          return job.data.text;
        },
      },
      1,
    );
    const job = await queue.add('echo', { text: 'finish me' });
    await running;
    const closing = closeWorkers([worker], 5000);
    release();
    expect(await closing).to.equal('drained');
    const stored = await queue.getJob(job.id!);
    expect(await stored!.getState()).to.equal('completed');
    expect(stored!.returnvalue).to.equal('finish me');
  });
});
