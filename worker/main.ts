import '../common/require-node';
import { createWorkerHttpServer } from './observability/http-server';
import { registerQueueDepth } from './observability/queue-depth';
import { closeGracefully, listen, runProcess, waitForCoreDeps } from '../common/runtime';
import { createWorkerDeps, closeWorkerDeps } from './deps';
import { startQueues } from './queues';
import { runSandboxSelfCheck } from './grading/self-check-report';

/**
 * The worker process: one BullMQ worker per queue named in WORKER_QUEUES, each with its own
 * concurrency, so ops can run e.g. grading-only dynos; with WORKER_HTTP_PORT, /health, /ready and
 * /metrics for operators. On SIGTERM running jobs get until SHUTDOWN_TIMEOUT_MS to finish.
 */
export function startWorkerProcess() {
  return runProcess('worker', async ({ config, logger, onShutdown, isStopping }) => {
    const deps = createWorkerDeps(config, logger);
    onShutdown('close-pools', 'postgres and redis', () => closeWorkerDeps(deps));
    await waitForCoreDeps(deps);

    const running = await startQueues(deps, config.worker.queues);
    onShutdown('drain', 'queue workers', (deadlineMs) => running.close(deadlineMs));
    const selfCheck = await runSandboxSelfCheck(deps);
    onShutdown('stop-intake', 'sandbox report', () => selfCheck.close());

    let port: number | undefined;
    if (config.worker.httpPort !== undefined) {
      const queueDepth = registerQueueDepth(deps.metrics.registry, deps, { reporting: () => !isStopping() });
      onShutdown('stop-intake', 'queue depth lease', () => queueDepth.release());
      const server = createWorkerHttpServer({ registry: deps.metrics.registry, readiness: deps.readiness, isStopping });
      // open until the pools close, so a probe sees "not ready" while the worker drains
      onShutdown('close-pools', 'worker http', () => closeGracefully(server, 1000));
      port = await listen(server, config.worker.httpPort, config.worker.httpHost);
    }
    logger.info('worker started', { queues: running.queues, concurrency: config.worker.concurrency, httpPort: port });
    return { deps, workers: running.workers, port };
  });
}

if (require.main === module) void startWorkerProcess().catch(() => process.exit(1));
