import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SandboxMetrics } from './sandbox-metrics';

export type JobOutcome = 'completed' | 'failed' | 'delayed';

/**
 * The worker's Prometheus metrics, one registry per worker (so tests can build several side by
 * side). Jobs are measured around the processor call in queue-worker.ts; the sandbox reports
 * through `sandbox` (a SandboxMetrics); queue depth is registered separately (queue-depth.ts).
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly duration = new Histogram({
    name: 'worker_job_duration_seconds',
    help: 'Time a job spent in its processor, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly completed = new Counter({
    name: 'worker_jobs_completed_total',
    help: 'Jobs this worker completed, by queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  private readonly failed = new Counter({
    name: 'worker_jobs_failed_total',
    help: 'Job attempts that failed in this worker, by queue and whether BullMQ will retry them',
    labelNames: ['queue', 'retryable'] as const,
    registers: [this.registry],
  });
  private readonly active = new Gauge({
    name: 'worker_jobs_active',
    help: 'Jobs running in this worker now, by queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  private readonly poolSize = new Gauge({
    name: 'sandbox_runner_pool_size',
    help: 'Runner children (or containers) a sandbox runner holds ready',
    labelNames: ['runner'] as const,
    registers: [this.registry],
  });
  private readonly restarts = new Counter({
    name: 'sandbox_runner_restarts_total',
    help: 'Runner children that died or were killed and were replaced',
    labelNames: ['runner'] as const,
    registers: [this.registry],
  });
  private readonly available = new Gauge({
    name: 'sandbox_language_available',
    help: '1 when the language can be graded by this worker, 0 when not (last self-check)',
    labelNames: ['language'] as const,
    registers: [this.registry],
  });

  readonly sandbox: SandboxMetrics = {
    setPoolSize: (runner, size) => this.poolSize.set({ runner }, size),
    countRestart: (runner) => this.restarts.inc({ runner }),
    setAvailability: (language, ok) => this.available.set({ language }, ok ? 1 : 0),
  };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Call when a job starts; the returned function records its end. */
  jobStarted(queue: string): (outcome: JobOutcome, retryable?: boolean) => void {
    this.active.inc({ queue });
    const end = this.duration.startTimer({ queue });
    return (outcome, retryable = false) => {
      this.active.dec({ queue });
      end({ outcome });
      if (outcome === 'completed') this.completed.inc({ queue });
      if (outcome === 'failed') this.failed.inc({ queue, retryable: String(retryable) });
    };
  }
}
