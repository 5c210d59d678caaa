import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import type { Config } from '../common/config';
import { dropDatabase } from '../common/db/database';

/** Shared by the benches; the leading `_` keeps bench/run-all.ts from running it as one. */

/**
 * The environment a bench's production API runs with: a database and a Redis prefix of its own
 * (`gema_bench_<name>_<random>`, dropped by `dropBenchData`), fresh JWT secrets, warnings only, and
 * the global limiter left in the stack (its Redis round trip is part of every request's cost) but
 * never throttling. `overrides` win.
 */
export function benchEnv(name: string, overrides: Record<string, string> = {}): Record<string, string> {
  const id = `${name}_${crypto.randomBytes(3).toString('hex')}`;
  return {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'production',
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/gema_bench_${id}`,
    REDIS_PREFIX: `gema_bench_${id}:`,
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '1000000000',
    ...overrides,
  };
}

/**
 * Every reader's page built once, a few at a time, before the warm-up: a first request runs the SQL
 * (a few hundred a second at best), so a timed warm-up on a busy machine can end with part of the
 * school never built, and the measured window would build it.
 */
export async function primePages(url: string, bearers: string[], headers: Record<string, string>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bearers.length) {
      const res = await fetch(url, { headers: { ...headers, Authorization: bearers[next++]! } });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** The student page cache's counters on an API's /metrics (api/learning/student-cache.ts). */
export async function pageCacheCounts(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    memory: read(/student_page_cache_answers_total\{source="memory"\} (\d+)/),
    redis: read(/student_page_cache_answers_total\{source="redis"\} (\d+)/),
    built: read(/student_page_cache_answers_total\{source="built"\} (\d+)/),
    evicted: read(/student_page_cache_evictions_total (\d+)/),
    heldMb: Math.round(read(/student_page_cache_bytes (\d+)/) / 1e5) / 10,
  };
}

/** Nearest-rank percentile of unsorted samples, rounded to 0.1; 0 for no samples. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return round1(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

/** The middle sample of unsorted samples (the upper of the two middle ones for an even count), unrounded; 0 for no samples. */
export function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[samples.length >> 1] ?? 0;
}

/** Writes bench/results/<name>.json. */
export function writeResults(name: string, result: unknown): void {
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

/**
 * Resolves with the first line of the child's stdout that `match` maps to a value, and rejects if
 * the child exits first. The child must be spawned with stdout piped.
 */
export function waitForLine<T>(child: ChildProcess, match: (line: string) => T | undefined, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const value = match(line);
      if (value !== undefined) resolve(value);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

/** SIGTERM and wait for the exit; a child that has already exited is left alone. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Unlinks every Redis key under the bench's prefix. */
export async function clearRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** What a bench made for itself, gone: its database and its Redis keys. */
export async function dropBenchData(config: Pick<Config, 'db' | 'redis'>): Promise<void> {
  await dropDatabase(config.db.url);
  await clearRedisPrefix(config.redis.url, config.redis.prefix);
}

/**
 * One autocannon run, with every response time kept: autocannon reports p97.5 but not p95, so a
 * bench that wants p95 reads it from `latencies` with `percentile`.
 */
export async function runAutocannon(opts: autocannon.Options): Promise<{ result: autocannon.Result; latencies: number[] }> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
  return { result, latencies };
}

/** Resident memory of a process, in MB (Linux /proc); 0 once it has exited. */
export function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** A process and all its descendants (Linux /proc), e.g. tsx's node child and a worker's runner children. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: fields follow the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while listing
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/**
 * The PostgreSQL backends serving `database` (Linux /proc: their command line names the database), e.g.
 * to charge a bench the CPU its queries cost the server. Backends of other databases are left out.
 */
export function postgresBackends(database: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.startsWith('postgres: ') && cmdline.split(' ').includes(database)) out.push(Number(entry));
    } catch {
      // exited while listing
    }
  }
  return out;
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14–17 of stat(5), 12–15 after the command name
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}
