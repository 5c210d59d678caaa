import { collectDefaultMetrics, Histogram, type Registry } from 'prom-client';

export function createHttpHistogram(registry: Registry): Histogram<string> {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/**
 * Process metrics (CPU, memory, event-loop lag). Queue depth is not here: every web process would
 * report the same Redis counts; the worker's /metrics reports them once (worker/http/metrics.ts).
 */
export function registerSystemMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
}
