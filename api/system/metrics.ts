import { collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';
import { QUEUE_NAMES, type Queues } from '../../common/queues';

export function createHttpHistogram(registry: Registry): Histogram<string> {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/** Process metrics and BullMQ job counts per queue, read from Redis at scrape time. */
export function registerSystemMetrics(registry: Registry, queues: Queues): void {
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'bullmq_jobs',
    help: 'BullMQ jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const results = await Promise.allSettled(
        QUEUE_NAMES.map(async (name) => ({
          name,
          counts: await queues[name].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
        })),
      );
      for (const r of results) {
        if (r.status !== 'fulfilled') continue;
        for (const [state, count] of Object.entries(r.value.counts)) this.set({ queue: r.value.name, state }, count);
      }
    },
  });
}
