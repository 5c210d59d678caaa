import { expect } from 'chai';
import { enqueue } from '../../common/queues';
import { apiDeps, testWorkerDeps } from '../support/deps';
import { startWorkerHttp, type WorkerHttp } from '../support/worker-http';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import type { ProcessorDefinition } from '../../worker/queue-worker';
import { createWorkerHttpServer } from '../../worker/observability/http-server';
import { closeGracefully, listen } from '../../common/runtime';
import { untilDefined } from '../support/until';

const metric = (text: string, prefix: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

const until = <T>(probe: () => Promise<T | undefined>) => untilDefined(probe, 10_000);

describe('worker: the operator port (WORKER_HTTP_PORT)', () => {
  let http: WorkerHttp;
  beforeEach(async () => {
    http = await startWorkerHttp();
  });
  afterEach(() => http.close());

  it('answers /health while the process runs', async () => {
    const res = await http.get('/health');
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.text).data.status).to.equal('ok');
  });

  it('is ready when PostgreSQL and Redis answer, naming each check', async () => {
    const res = await http.get('/ready');
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.text).data).to.deep.equal({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('answers 503 NOT_READY naming a registered check that fails, such as a sandbox self-check', async () => {
    http.deps.readiness.register('sandbox', async () => {
      throw new Error('python: bubblewrap is not installed');
    });
    const res = await http.get('/ready');
    expect(res.status).to.equal(503);
    const body = JSON.parse(res.text);
    expect(body.error.code).to.equal('NOT_READY');
    expect(body.error.details).to.deep.equal({ postgres: 'ok', redis: 'ok', sandbox: 'python: bubblewrap is not installed' });
  });

  it('exposes per-queue job durations and completed, failed and active job counts on /metrics', async () => {
    const deps = http.deps;
    let fail = false;
    const definition: ProcessorDefinition<unknown, string> = {
      process: async () => {
        if (fail) throw new Error('boom');
        return 'ok';
      },
    };
    // email jobs other specs left behind (a retry with backoff) would be counted by this worker too
    await apiDeps().queues.email.obliterate({ force: true });
    const worker = startQueueWorker(deps, 'email', definition, 1);
    try {
      await enqueue(apiDeps().queues, 'email', { template: 'metrics-ok' }, { attempts: 1 });
      await until(async () => metric((await http.get('/metrics')).text, 'worker_jobs_completed_total{queue="email"}'));
      fail = true;
      await enqueue(apiDeps().queues, 'email', { template: 'metrics-fail' }, { attempts: 1 });
      const text = await until(async () => {
        const t = (await http.get('/metrics')).text;
        return metric(t, 'worker_jobs_failed_total{queue="email",retryable="true"}') ? t : undefined;
      });
      expect(metric(text, 'worker_job_duration_seconds_count{queue="email",outcome="completed"}')).to.equal(1);
      expect(metric(text, 'worker_job_duration_seconds_count{queue="email",outcome="failed"}')).to.equal(1);
      expect(metric(text, 'worker_jobs_active{queue="email"}')).to.equal(0);
    } finally {
      await closeWorkers([worker], 5000);
    }
  });

  it('exposes the sandbox gauges that sandbox code sets', async () => {
    http.deps.metrics.sandbox.setPoolSize('isolated-vm', 2);
    http.deps.metrics.sandbox.countRestart('isolated-vm');
    http.deps.metrics.sandbox.setAvailability('python', false);
    http.deps.metrics.sandbox.setAvailability('javascript', true);
    const { text } = await http.get('/metrics');
    expect(metric(text, 'sandbox_runner_pool_size{runner="isolated-vm"}')).to.equal(2);
    expect(metric(text, 'sandbox_runner_restarts_total{runner="isolated-vm"}')).to.equal(1);
    expect(metric(text, 'sandbox_language_available{language="python"}')).to.equal(0);
    expect(metric(text, 'sandbox_language_available{language="javascript"}')).to.equal(1);
  });

  it('reports queue depth per queue and state', async () => {
    const { text } = await http.get('/metrics');
    expect(text).to.match(/^bullmq_jobs\{queue="grading",state="waiting"\} \d+$/m);
  });

  it('has exactly one of several workers report queue depth, so a sum over workers is the true count', async () => {
    const second = await startWorkerHttp(testWorkerDeps());
    try {
      const texts = await Promise.all([http.get('/metrics'), second.get('/metrics'), http.get('/metrics')]);
      const reporting = texts.map((t) => t.text.includes('bullmq_jobs{'));
      expect(reporting).to.deep.equal([true, false, true]);
    } finally {
      await second.close();
    }
  });

  it('lets another worker report queue depth once the reporter has stopped', async () => {
    await http.get('/metrics');
    const second = await startWorkerHttp(testWorkerDeps());
    try {
      expect((await second.get('/metrics')).text).not.to.include('bullmq_jobs{');
      await http.close();
      expect((await second.get('/metrics')).text).to.include('bullmq_jobs{');
    } finally {
      await second.close();
      http = await startWorkerHttp();
    }
  });

  it('is not ready once the worker is stopping, whatever its checks say', async () => {
    const server = createWorkerHttpServer({ registry: http.deps.metrics.registry, readiness: http.deps.readiness, isStopping: () => true });
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(res.status).to.equal(503);
      expect(((await res.json()) as { error: { details: Record<string, string> } }).error.details.worker).to.equal('shutting down');
    } finally {
      await closeGracefully(server, 1000);
    }
  });

  it('answers 404 for anything else', async () => {
    expect((await http.get('/api/v2/auth/login')).status).to.equal(404);
  });
});
