import '../common/require-node';
/**
 * The two routes a student hits most, on a real-sized school (bench/_seed-school.ts: 1,000 students,
 * 200 assignments, 50,000 submissions, 20,000 coding submissions), 100 connections from wrk pinned
 * apart from the server, each request as one of 200 students in turn:
 *   - `app`: the production build (dist/api/server.js, NODE_ENV=production, heap flags, every
 *     middleware, the global Redis rate limiter on with a limit it never reaches), page cache on;
 *   - `appUncached`: the same with STUDENT_CACHE_SECONDS=0, so every request runs its SQL;
 *   - `bare` (the ceiling): node:http doing the least a cached page costs (bench/_learning-bare.ts).
 * Every request carries a browser's `Accept-Encoding: gzip, deflate, br` (BENCH_ACCEPT_ENCODING; empty
 * for none): without it no answer is compressed, and a bench would miss what compression costs.
 * Also the EXPLAIN ANALYZE of both queries (bench/results/learning-plans.txt) and each server's RSS.
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
import { initModels, User } from '../common/models';
import { AccessTokens } from '../api/auth/tokens';
import { DashboardService } from '../api/learning/dashboard/service';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { clearRedisPrefix, stopChild, waitForLine, writeResults } from './_lib';
import { load, rssMb, serverCommand, warm, wrkAvailable, type LoadFigures } from './_wrk';
import { allocationProbe, type AllocationFigures, type AllocationProbe } from './_alloc';
import { seedSchool, SCHOOL } from './_seed-school';
import { explainHotQueries } from './_explain';

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const READERS = 200;
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
  const { cmd, args } = serverCommand([...HEAP_FLAGS, ...(probe?.nodeArgs ?? []), path.join(ROOT, 'dist/api/server.js')]);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...env, ...extra, ...(probe?.env ?? {}), PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child);
  return { url, child };
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
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'production',
    DATABASE_URL: `${PG}/gema_bench_learning_${runId}`,
    DATABASE_POOL_MAX: '20',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    REDIS_PREFIX: `gema_bench_learning_${runId}:`,
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
    BCRYPT_COST: '4',
    RATE_LIMIT_MAX: '1000000000',
    LOG_LEVEL: 'warn',
    UPLOAD_DIR: path.join(os.tmpdir(), `gema-bench-${runId}`),
  };
  const config = loadConfig(env);
  const children: ChildProcess[] = [];
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  try {
    await createMigrator(sequelize).up();
    initModels(sequelize);
    const seedStarted = Date.now();
    const probe = await seedSchool(sequelize);
    const seedMs = Date.now() - seedStarted;
    const readers = await User.findAll({ where: { role: 'student' }, order: [['email', 'ASC']], limit: READERS });
    const tokens = new AccessTokens(config);
    const bearer = readers.map((u) => `Bearer ${tokens.sign({ id: u.id, role: u.role, email: u.email, name: u.name }, crypto.randomUUID()).token}`);
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

    // the cached app carries the allocation probe (bench/_alloc-probe.mjs): bytes and CPU per request
    const allocProbe = allocationProbe('learning-app');
    const app = await startApi(env, {}, allocProbe);
    const uncached = await startApi(env, { STUDENT_CACHE_SECONDS: '0' });
    const bare = await startBare(env);
    children.push(app.child, uncached.child, bare.child);

    const routes: Record<
      string,
      {
        app: LoadFigures;
        appUncached: LoadFigures;
        bare: LoadFigures;
        bodyBytes: Record<string, number>;
        ratio: number;
        rssMb: Record<string, number>;
        allocation: AllocationFigures;
      }
    > = {};
    for (const route of ROUTES) {
      // warming the app also fills the page cache for every reader, which the ceiling then reads
      await warm({ url: `${app.url}${route}`, connections: CONNECTIONS, rotate, headers: HEADERS });
      await warm({ url: `${uncached.url}${route}`, connections: CONNECTIONS, rotate, headers: HEADERS });
      await warm({ url: `${bare.url}${route}`, connections: CONNECTIONS, rotate, headers: HEADERS });
      // what one page weighs on the wire, as it is and as the bench's clients get it
      const sizeOf = async (acceptEncoding: string) => {
        const res = await fetch(`${app.url}${route}`, { headers: { Authorization: bearer[0]!, 'Accept-Encoding': acceptEncoding } });
        await res.arrayBuffer();
        return { bytes: Number(res.headers.get('content-length')), encoding: res.headers.get('content-encoding') ?? 'identity' };
      };
      const bodyBytes = [await sizeOf('identity'), ...(ACCEPT_ENCODING ? [await sizeOf(ACCEPT_ENCODING)] : [])];
      const measured = await allocProbe.measure(app.child.pid!, () =>
        load({ url: `${app.url}${route}`, connections: CONNECTIONS, seconds: SECONDS, rotate, headers: HEADERS }),
      );
      const figures = {
        app: measured.result,
        appUncached: await load({ url: `${uncached.url}${route}`, connections: CONNECTIONS, seconds: SECONDS, rotate, headers: HEADERS }),
        bare: await load({ url: `${bare.url}${route}`, connections: CONNECTIONS, seconds: SECONDS, rotate, headers: HEADERS }),
      };
      routes[route] = {
        ...figures,
        bodyBytes: Object.fromEntries(bodyBytes.map((b) => [b.encoding, b.bytes])),
        ratio: Math.round((figures.app.requestsPerSecond / figures.bare.requestsPerSecond) * 100) / 100,
        rssMb: { app: rssMb(app.child.pid!), appUncached: rssMb(uncached.child.pid!), bare: rssMb(bare.child.pid!) },
        allocation: measured.allocation,
      };
      process.stdout.write(`${route} body bytes: ${JSON.stringify(routes[route].bodyBytes)}\n`);
      process.stdout.write(`${route} app allocation: ${JSON.stringify(measured.allocation)}\n`);
      for (const [name, f] of Object.entries(figures)) {
        process.stdout.write(
          `${route} ${name}: ${f.requestsPerSecond} req/s, p50 ${f.latencyMs.p50} ms, p95 ${f.latencyMs.p95} ms, p99 ${f.latencyMs.p99} ms, errors ${f.errors}\n`,
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
      met: Object.values(routes).every((r) => r.app.requestsPerSecond >= TARGET.requestsPerSecondAtLeast && r.app.latencyMs.p95 < TARGET.p95BelowMs),
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
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
