import '../common/require-node';
/**
 * The two routes a student hits most, on a real-sized school (bench/_seed-school.ts: 1,000 students,
 * 200 assignments, 50,000 submissions, 20,000 coding submissions), each request as one of the
 * school's 1,000 students in turn (BENCH_READERS), measured two ways:
 *   - at saturation: wrk with 100 connections pinned apart from the server (closed loop: each
 *     connection sends its next request when the answer came, so the mean latency is connections /
 *     throughput and the p95 is queueing behind the other 99);
 *   - at a fixed rate (BENCH_RATE, 3,000 req/s, the target's): bench/_learning-rate.ts, open loop,
 *     pinned apart too; a request's latency runs from when it was due, so a stall counts against
 *     every request it held up. This is the target's measure: latency at a given throughput.
 * The servers:
 *   - `app`: the production build (dist/api/server.js, NODE_ENV=production, heap flags, every
 *     middleware, the global Redis rate limiter on with a limit it never reaches), page cache on;
 *   - `appUncached`: the same with STUDENT_CACHE_SECONDS=0, so every request runs its SQL;
 *   - `bare` (the ceiling): node:http doing the least a cached page costs (bench/_learning-bare.ts).
 * Every request carries a browser's `Accept-Encoding: gzip, deflate, br` (BENCH_ACCEPT_ENCODING; empty
 * for none): without it no answer is compressed, and a bench would miss what compression costs.
 * Also the EXPLAIN ANALYZE of both queries (bench/results/learning-plans.txt), each server's RSS, the
 * page cache's answers by source during the saturation run (memory, Redis, built: its hit ratio) and
 * the app's event-loop delay and GC pauses in each window (bench/_learning-stall-probe.mjs).
 * Writes bench/results/learning.json. Needs `npm run build` (bench/run-all does it).
 *
 *   npx tsx bench/learning.ts            (BENCH_SECONDS=10 per run; about 2 minutes in all)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Options } from 'sequelize';
import { loadConfig } from '../common/config';
import { createSequelize, dropDatabase, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels } from '../common/models';
import { DashboardService } from '../api/learning/dashboard/service';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { benchEnv, primePages, pageCacheCounts, clearRedisPrefix, stopChild, waitForLine, writeResults } from './_lib';
import { load, rssMb, serverCommand, warm, wrkAvailable, type LoadFigures } from './_wrk';
import { loadAtRate, type RateFigures } from './_learning-rate';
import { allocationProbe, type AllocationFigures, type AllocationProbe } from './_alloc';
import { readerBearers, seedSchool, SCHOOL } from './_seed-school';
import { explainHotQueries } from './_explain';

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const READERS = Number(process.env.BENCH_READERS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 3000);
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const ROUTES = ['/api/v2/tutorial/assignments', '/api/v2/student/dashboard'] as const;
const TARGET = { requestsPerSecondAtLeast: 3000, p95BelowMs: 50 };
const ACCEPT_ENCODING = process.env.BENCH_ACCEPT_ENCODING ?? 'gzip, deflate, br';
const HEADERS: Record<string, string> = ACCEPT_ENCODING ? { 'Accept-Encoding': ACCEPT_ENCODING } : {};

async function waitReady(url: string, child: ChildProcess, ms = 60_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the API did not become ready');
}

function freePort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

async function startApi(env: Record<string, string>, extra: Record<string, string>, probe?: AllocationProbe) {
  const port = freePort();
  const stallProbe = extra.BENCH_STALL_FILE ? ['--import', path.join(__dirname, '_learning-stall-probe.mjs')] : [];
  const { cmd, args } = serverCommand([...HEAP_FLAGS, ...(probe?.nodeArgs ?? []), ...stallProbe, path.join(ROOT, 'dist/api/server.js')]);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...env, ...extra, ...(probe?.env ?? {}), PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child);
  return { url, child };
}

/** What bench/_learning-stall-probe.mjs writes for a window. */
interface StallFigures {
  loopDelayMs: { p50: number; p95: number; p99: number; max: number };
  loopHeld: { over10ms: number; over20ms: number; largestMs: number[] };
  gc: Record<string, { count: number; totalMs: number; maxMs: number; over5ms: number; over10ms: number }>;
  /** the main thread's time on a CPU and runnable but waiting for one (other processes on its core) */
  mainThread: { cpuMs: number; runQueueWaitMs: number; timeslices: number };
  /** the young generation's size (MB) as the window began and ended */
  newSpaceMb: { start: number; end: number };
}

/** Where the page cache's answers came from in a window, and what it held after it. */
interface CacheWindow {
  memory: number;
  redis: number;
  built: number;
  evicted: number;
  memoryHitRatio: number;
  heldMb: number;
}

async function startBare(env: Record<string, string>) {
  const { cmd, args } = serverCommand([...HEAP_FLAGS, '--import', 'tsx', path.join(__dirname, '_learning-bare.ts')]);
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await waitForLine(child, (line) => /^READY (\d+)$/.exec(line)?.[1], 'bare server').then(Number);
  return { url: `http://127.0.0.1:${port}`, child };
}

async function main() {
  const runId = crypto.randomBytes(3).toString('hex');
  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const env = benchEnv('learning', {
    DATABASE_URL: `${PG}/gema_bench_learning_${runId}`,
    DATABASE_POOL_MAX: '20',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    BCRYPT_COST: '4',
    UPLOAD_DIR: path.join(os.tmpdir(), `gema-bench-${runId}`),
  });
  const config = loadConfig(env);
  const children: ChildProcess[] = [];
  const stallFile = path.join(os.tmpdir(), `gema-stall-learning-${runId}.json`);
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  try {
    await createMigrator(sequelize).up();
    initModels(sequelize);
    const seedStarted = Date.now();
    const probe = await seedSchool(sequelize);
    const seedMs = Date.now() - seedStarted;
    const bearer = await readerBearers(config, READERS);
    const rotate = { name: 'Authorization', values: bearer };

    // statements one uncached dashboard runs, and the plans of both queries
    const options = (sequelize as unknown as { options: Options }).options;
    const statements: string[] = [];
    options.logging = (sql: string) => void statements.push(sql);
    await new DashboardService(sequelize).read(probe.studentId);
    options.logging = false;
    const plans = await explainHotQueries(sequelize, probe.studentId);
    fs.writeFileSync(
      path.join(__dirname, 'results', 'learning-plans.txt'),
      Object.entries(plans)
        .map(([route, plan]) => `== ${route} (student500@school.bench)\n${plan}\n`)
        .join('\n'),
    );

    // the cached app carries the allocation probe (bench/_alloc-probe.mjs: bytes and CPU per request)
    // and the stall probe (event-loop delay, GC pauses), both measuring the same windows
    const allocProbe = allocationProbe('learning-app');
    const app = await startApi(env, { BENCH_STALL_FILE: stallFile }, allocProbe);
    const uncached = await startApi(env, { STUDENT_CACHE_SECONDS: '0' });
    const bare = await startBare(env);
    children.push(app.child, uncached.child, bare.child);
    const probed = async <T>(during: () => Promise<T>) => {
      fs.rmSync(stallFile, { force: true });
      const before = await pageCacheCounts(app.url);
      const { result, allocation } = await allocProbe.measure(app.child.pid!, during);
      const after = await pageCacheCounts(app.url);
      for (let i = 0; i < 100 && !fs.existsSync(stallFile); i++) await new Promise((r) => setTimeout(r, 50));
      const stalls = JSON.parse(fs.readFileSync(stallFile, 'utf8')) as StallFigures;
      const answers = { memory: after.memory - before.memory, redis: after.redis - before.redis, built: after.built - before.built };
      const total = answers.memory + answers.redis + answers.built;
      const cache = {
        ...answers,
        evicted: after.evicted - before.evicted,
        memoryHitRatio: total ? Math.round((answers.memory / total) * 1000) / 1000 : 0,
        heldMb: after.heldMb,
      };
      return { result, allocation, stalls, cache };
    };

    const routes: Record<
      string,
      {
        app: LoadFigures;
        appUncached: LoadFigures;
        bare: LoadFigures;
        atRate: { app: RateFigures; bare: RateFigures };
        bodyBytes: Record<string, number>;
        ratio: number;
        rssMb: Record<string, number>;
        allocation: AllocationFigures;
        allocationAtRate: AllocationFigures;
        stalls: { saturation: StallFigures; atRate: StallFigures };
        pageCache: { saturation: CacheWindow; atRate: CacheWindow };
      }
    > = {};
    for (const route of ROUTES) {
      // every reader's page built and held (the ceiling reads the app's pages from Redis), then warm
      await primePages(`${app.url}${route}`, bearer, HEADERS);
      await warm({ url: `${app.url}${route}`, connections: CONNECTIONS, rotate, headers: HEADERS }, 4);
      await warm({ url: `${uncached.url}${route}`, connections: CONNECTIONS, rotate, headers: HEADERS });
      await warm({ url: `${bare.url}${route}`, connections: CONNECTIONS, rotate, headers: HEADERS });
      // what one page weighs on the wire, as it is and as the bench's clients get it
      const sizeOf = async (acceptEncoding: string) => {
        const res = await fetch(`${app.url}${route}`, { headers: { Authorization: bearer[0]!, 'Accept-Encoding': acceptEncoding } });
        await res.arrayBuffer();
        return { bytes: Number(res.headers.get('content-length')), encoding: res.headers.get('content-encoding') ?? 'identity' };
      };
      const bodyBytes = [await sizeOf('identity'), ...(ACCEPT_ENCODING ? [await sizeOf(ACCEPT_ENCODING)] : [])];
      const saturation = await probed(() =>
        load({ url: `${app.url}${route}`, connections: CONNECTIONS, seconds: SECONDS, rotate, headers: HEADERS }),
      );
      const atRate = await probed(() =>
        loadAtRate({ url: `${app.url}${route}`, rate: RATE, seconds: SECONDS, connections: CONNECTIONS, rotate, headers: HEADERS }),
      );
      const figures = {
        app: saturation.result,
        appUncached: await load({ url: `${uncached.url}${route}`, connections: CONNECTIONS, seconds: SECONDS, rotate, headers: HEADERS }),
        bare: await load({ url: `${bare.url}${route}`, connections: CONNECTIONS, seconds: SECONDS, rotate, headers: HEADERS }),
      };
      const bareAtRate = await loadAtRate({
        url: `${bare.url}${route}`,
        rate: RATE,
        seconds: SECONDS,
        connections: CONNECTIONS,
        rotate,
        headers: HEADERS,
      });
      routes[route] = {
        ...figures,
        atRate: { app: atRate.result, bare: bareAtRate },
        bodyBytes: Object.fromEntries(bodyBytes.map((b) => [b.encoding, b.bytes])),
        ratio: Math.round((figures.app.requestsPerSecond / figures.bare.requestsPerSecond) * 100) / 100,
        rssMb: { app: rssMb(app.child.pid!), appUncached: rssMb(uncached.child.pid!), bare: rssMb(bare.child.pid!) },
        allocation: saturation.allocation,
        allocationAtRate: atRate.allocation,
        stalls: { saturation: saturation.stalls, atRate: atRate.stalls },
        pageCache: { saturation: saturation.cache, atRate: atRate.cache },
      };
      const r = routes[route];
      process.stdout.write(`${route} body bytes: ${JSON.stringify(r.bodyBytes)}\n`);
      process.stdout.write(`${route} app allocation: ${JSON.stringify(r.allocation)}\n`);
      process.stdout.write(`${route} app page cache: ${JSON.stringify(r.pageCache)}\n`);
      process.stdout.write(`${route} app stalls: ${JSON.stringify(r.stalls)}\n`);
      for (const [name, f] of Object.entries(figures)) {
        process.stdout.write(
          `${route} ${name}: ${f.requestsPerSecond} req/s, p50 ${f.latencyMs.p50} ms, p95 ${f.latencyMs.p95} ms, p99 ${f.latencyMs.p99} ms, errors ${f.errors}\n`,
        );
      }
      for (const [name, f] of Object.entries(r.atRate)) {
        process.stdout.write(
          `${route} ${name} at ${RATE} req/s (open loop): ${f.requestsPerSecond} req/s, p50 ${f.latencyMs.p50} ms, p95 ${f.latencyMs.p95} ms, p99 ${f.latencyMs.p99} ms, max ${f.latencyMs.max} ms, errors ${f.errors}\n`,
        );
      }
    }

    const results = {
      bench: 'learning',
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        node: process.versions.node,
        loadAverageBefore: loadBefore,
        loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
      },
      setup: {
        school: SCHOOL,
        seedSeconds: Math.round(seedMs / 100) / 10,
        readers: `${READERS} students, one per request in turn`,
        rate: `${RATE} req/s open loop (bench/_learning-rate.ts: latency from the moment each request was due), ${CONNECTIONS} keep-alive connections at most, pinned apart like wrk`,
        generator: wrkAvailable
          ? 'wrk, pinned to the last CPU; servers pinned to the others (taskset)'
          : 'autocannon in this process (wrk not found)',
        connections: CONNECTIONS,
        acceptEncoding: ACCEPT_ENCODING || null,
        secondsPerRun: SECONDS,
        app: 'dist/api/server.js, NODE_ENV=production, heap flags, every middleware, global Redis rate limiter on (limit never reached), pool 20',
        bare: 'node:http + HS256 verify + one MGET of the version keys + the page bytes held in memory, gzipped once (bench/_learning-bare.ts)',
      },
      target: TARGET,
      routes,
      // the target is latency at a throughput: the open-loop run at the target's rate keeps up (99 %), without errors, with p95 under it
      met: Object.values(routes).every(
        (r) =>
          r.atRate.app.requestsPerSecond >= TARGET.requestsPerSecondAtLeast * 0.99 &&
          r.atRate.app.errors === 0 &&
          r.atRate.app.latencyMs.p95 < TARGET.p95BelowMs,
      ),
      metAtSaturation: Object.values(routes).every(
        (r) => r.app.requestsPerSecond >= TARGET.requestsPerSecondAtLeast && r.app.latencyMs.p95 < TARGET.p95BelowMs,
      ),
      uncachedDashboardSqlStatements: statements.length,
      plans: 'bench/results/learning-plans.txt',
    };
    writeResults('learning', results);
    process.stdout.write('wrote bench/results/learning.json and bench/results/learning-plans.txt\n');
  } finally {
    for (const c of children) await stopChild(c);
    await sequelize.close();
    await dropDatabase(config.db.url);
    await clearRedisPrefix(env.REDIS_URL!, env.REDIS_PREFIX!);
    fs.rmSync(env.UPLOAD_DIR!, { recursive: true, force: true });
    fs.rmSync(stallFile, { force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
