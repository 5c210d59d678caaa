import { Redis } from 'ioredis';
import { apiDeps } from './deps';
import { TEST_ENV } from './env';

/**
 * Every Redis command naming a key that starts with `keyPrefix` while `work` runs, seen through
 * MONITOR: what clients sent, and (prefixed `lua:`) what a script ran. `redis` is the client whose
 * echo marks the end of the work (its commands are then all in).
 */
export async function redisCommandsDuring(keyPrefix: string, work: () => Promise<unknown>, redis: Redis = apiDeps().redis): Promise<string[]> {
  // the shared Redis is busy: lines that arrive with MONITOR's OK (ioredis enters monitoring mode a
  // microtask later) or after disconnect() make it report a queue error on this connection; those lines
  // are outside the work watched. `redis.monitor()` listens for errors only once, after connecting, so
  // the second such error was uncaught: this connection listens from before it connects.
  const monitor = new Redis(TEST_ENV.REDIS_URL!, { monitor: true, lazyConnect: true });
  monitor.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    monitor.once('monitoring', resolve);
    monitor.connect().catch(reject);
  });
  const marker = `end-of-work-${Date.now()}`;
  const seen: string[] = [];
  const done = new Promise<void>((resolve) => {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[1] === marker) resolve();
      else if (args.some((a) => a.startsWith(keyPrefix))) seen.push(`${source === 'lua' ? 'lua:' : ''}${args.join(' ')}`);
    });
  });
  try {
    await work();
    await redis.echo(marker);
    await done;
  } finally {
    monitor.disconnect();
  }
  return seen;
}

/** What the app's Redis client (or `redis`) wrote to its socket while `work` ran, one string per write. */
export async function redisWritesDuring(work: () => Promise<unknown>, redis: Redis = apiDeps().redis): Promise<string[]> {
  // a client connects lazily: its socket exists once it has sent something
  await redis.ping();
  const stream = (redis as unknown as { stream: { write: (chunk: unknown, ...rest: unknown[]) => boolean } }).stream;
  const original = stream.write;
  const writes: string[] = [];
  stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    writes.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk));
    return original.call(this, chunk, ...rest);
  };
  try {
    await work();
  } finally {
    stream.write = original;
  }
  return writes;
}
