import '../common/require-node';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Redis } from 'ioredis';
import { SocketPresence } from '../api/realtime/presence';
import { clearRedisPrefix } from './_lib';

/**
 * The socket presence refresh (api/realtime/presence.ts) at SOCKETS sockets, in this process against
 * the local Redis: per refresh its wall time, CPU and the longest stretch the event loop was held (a
 * setImmediate ticker's largest gap), the figure an HTTP request or a broadcast waits behind. With
 * `PRESENCE_CLASS=<file>` another SocketPresence runs instead (e.g. main's, `git show
 * main:api/realtime/presence.ts`), for an A/B in separate processes with the same heap:
 * `node --max-semi-space-size=8 --import tsx bench/_presence-refresh.ts`
 */
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const prefix = `gema_bench_presence_${process.pid}_${crypto.randomBytes(3).toString('hex')}:`;

interface Refreshing {
  add(socketId: string, userId: string): void;
  close(): Promise<unknown>;
}

/** The longest gap between setImmediate turns while `run` is under way, with its wall time and CPU. */
async function measure(run: () => Promise<void>) {
  let longest = 0;
  let last = performance.now();
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const gc = new v8.GCProfiler();
  gc.start();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  ticking = false;
  return {
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((used.user + used.system) / 1000),
    longestHoldMs: Math.round(longest * 10) / 10,
    ...promoted(gc.stop()),
  };
}

/** What the refresh's scavenges moved to the old generation (old and large-object space growth across each), and their pause time. */
function promoted(profile: ReturnType<v8.GCProfiler['stop']>) {
  const old = (stats: { heapSpaceStatistics: v8.HeapSpaceStatistics[] }) =>
    stats.heapSpaceStatistics
      .filter((s) => s.spaceName === 'old_space' || s.spaceName === 'large_object_space')
      .reduce((n, s) => n + s.spaceUsedSize, 0);
  let bytes = 0;
  let gcMs = 0;
  for (const e of profile?.statistics ?? []) {
    gcMs += e.cost / 1000;
    if (e.gcType === 'Scavenge') bytes += Math.max(0, old(e.afterGC) - old(e.beforeGC));
  }
  return { promotedKb: Math.round(bytes / 1024), gcMs: Math.round(gcMs * 10) / 10 };
}

async function main() {
  const redis = new Redis(url);
  const Presence = process.env.PRESENCE_CLASS
    ? ((await import(process.env.PRESENCE_CLASS)) as { SocketPresence: new (r: Redis, p: string) => Refreshing }).SocketPresence
    : SocketPresence;
  const kinds: Array<[string, Refreshing]> = [[process.env.PRESENCE_CLASS ?? 'api/realtime/presence.ts', new Presence(redis, prefix)]];
  try {
    for (const [, p] of kinds) for (let i = 0; i < SOCKETS; i++) p.add(`s${i}-${crypto.randomUUID()}`, crypto.randomUUID());
    await redis.ping();
    // the adds' garbage is not what a refresh costs
    await new Promise((r) => setTimeout(r, 1000));
    const results: Record<string, unknown[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, p] of kinds) {
        // the private refresh of an older class is reached the same way as the current one's
        const r = await measure(() => (p as unknown as { refresh(): Promise<void> }).refresh());
        (results[name] ??= []).push(r);
      }
    }
    process.stdout.write(`${JSON.stringify({ sockets: SOCKETS, results })}\n`);
  } finally {
    await Promise.all(kinds.map(([, p]) => p.close()));
    await redis.quit();
    await clearRedisPrefix(url, prefix);
  }
}

void main();
