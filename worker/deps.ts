import type { Config } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { createCoreDeps, closeCoreDeps, coreReadiness, type CoreDeps, type ReadinessChecks } from '../common/runtime';
import { WorkerMetrics } from './observability/metrics';

export interface WorkerDeps extends CoreDeps {
  /** job, sandbox and queue-depth metrics, served on WORKER_HTTP_PORT's /metrics */
  metrics: WorkerMetrics;
  /**
   * What WORKER_HTTP_PORT's /ready checks: PostgreSQL and Redis from the start; register further
   * checks (the sandbox self-check) with `deps.readiness.register(name, probe)`.
   */
  readiness: ReadinessChecks;
}

export function createWorkerDeps(config: Config, logger: Logger = createLogger(config, 'worker')): WorkerDeps {
  const core = createCoreDeps(config, logger, 'worker');
  return { ...core, metrics: new WorkerMetrics(), readiness: coreReadiness(core) };
}

export const closeWorkerDeps: (deps: WorkerDeps) => Promise<void> = closeCoreDeps;
