import crypto from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type Queues } from '../../common/queues';

/** Take the lease if it is free, renew it if it is ours: atomic, so two workers never both hold it. */
const HOLD = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export const QUEUE_DEPTH_LEASE_MS = 60_000;

export interface QueueDepth {
  /** gives the lease up so another worker reports from its next scrape on */
  release(): Promise<void>;
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

/**
 * `bullmq_jobs{queue,state}`: job counts per queue, read from Redis at scrape time. These are facts
 * about Redis, not about a process, so exactly one worker reports them: each scrape tries to hold a
 * Redis lease, and only its holder sets the gauge (the others report no such series). A sum over all
 * workers is the true count, adding workers adds no duplicate series, and when the holder dies
 * another takes over within QUEUE_DEPTH_LEASE_MS. Web processes do not report them at all.
 */
export function registerQueueDepth(
  registry: Registry,
  deps: { queues: Queues; redis: Redis; config: { redis: { prefix: string } } },
  options: { leaseMs?: number; reporting?: () => boolean } = {},
): QueueDepth {
  const leaseMs = options.leaseMs ?? QUEUE_DEPTH_LEASE_MS;
  const key = `${deps.config.redis.prefix}metrics:queue-depth-reporter`;
  const me = `${process.pid}:${crypto.randomBytes(6).toString('hex')}`;
  new Gauge({
    name: 'bullmq_jobs',
    help: 'BullMQ jobs per queue and state (reported by one worker at a time)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // a stopping worker has given the lease up and must not take it back
      if (options.reporting && !options.reporting()) return;
      const held = await within(deps.redis.eval(HOLD, 1, key, me, leaseMs), 1000).catch(() => 0);
      if (Number(held) !== 1) return;
      const results = await Promise.allSettled(
        QUEUE_NAMES.map(async (name) => ({
          name,
          counts: await within(deps.queues[name].getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'), 1000),
        })),
      );
      for (const r of results) {
        if (r.status !== 'fulfilled') continue;
        for (const [state, count] of Object.entries(r.value.counts)) this.set({ queue: r.value.name, state }, count);
      }
    },
  });
  return {
    async release() {
      await within(deps.redis.eval(RELEASE, 1, key, me), 1000).catch(() => undefined);
    },
  };
}
