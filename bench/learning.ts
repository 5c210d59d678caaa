import '../common/require-node';
/**
 * Throughput and p95 of the two routes a student hits most, with 100 connections, against an API
 * running in a child process on a bench database seeded with the demo school; plus the number of SQL
 * statements one dashboard request runs. Writes bench/results/learning.json.
 *
 *   npx tsx bench/learning.ts            (BENCH_SECONDS=10 by default)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import type { Options } from 'sequelize';
import { loadConfig } from '../common/config';
import { createSequelize, dropDatabase, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels, User } from '../common/models';
import { seedDemoSchool } from '../scripts/seed/index';
import { AccessTokens } from '../api/auth/tokens';
import { DashboardService } from '../api/learning/dashboard/service';
import { clearRedisPrefix, percentile, runAutocannon, stopChild, writeResults } from './_lib';

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 100;
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitReady(url: string, child: ChildProcess, ms = 30_000) {
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

async function load(name: string, url: string, token: string) {
  const { result, latencies } = await runAutocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${token}` },
  });
  const figures = {
    route: name,
    connections: CONNECTIONS,
    seconds: SECONDS,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  process.stdout.write(`${name}: ${figures.requestsPerSecond} req/s, p95 ${figures.latencyMs.p95} ms, non-2xx ${figures.non2xx}\n`);
  return figures;
}

async function main() {
  const runId = crypto.randomBytes(3).toString('hex');
  // the machine may be busy with other work: say how busy, next to the figures
  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    DATABASE_URL: `${PG}/gema_bench_learning_${runId}`,
    DATABASE_POOL_MAX: '20',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    REDIS_PREFIX: `gema_bench_learning_${runId}:`,
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
    BCRYPT_COST: '4',
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    UPLOAD_DIR: path.join(os.tmpdir(), `gema-bench-${runId}`),
  };
  const config = loadConfig({ ...process.env, ...env });
  let child: ChildProcess | undefined;
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  try {
    await createMigrator(sequelize).up();
    initModels(sequelize);
    await seedDemoSchool(sequelize, { bcryptCost: 4 });
    const ayu = await User.findOne({ where: { email: 'ayu@gema.local' } });
    if (!ayu) throw new Error('the seed made no ayu@gema.local');
    const token = new AccessTokens(config).sign({ id: ayu.id, role: ayu.role, email: ayu.email, name: ayu.name }, crypto.randomUUID()).token;

    // how many statements one dashboard request runs (the first call warms the connection pool)
    const dashboard = new DashboardService(sequelize);
    await dashboard.forStudent(ayu.id);
    const options = (sequelize as unknown as { options: Options }).options;
    const statements: string[] = [];
    options.logging = (sql: string) => {
      statements.push(sql);
    };
    const sample = await dashboard.forStudent(ayu.id);
    options.logging = false;

    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base, child);
    // warm the JIT and the pools before measuring
    await autocannon({ url: `${base}/api/v2/student/dashboard`, connections: 10, duration: 2, headers: { authorization: `Bearer ${token}` } });
    await autocannon({ url: `${base}/api/v2/tutorial/assignments`, connections: 10, duration: 2, headers: { authorization: `Bearer ${token}` } });

    const assignments = await load('GET /api/v2/tutorial/assignments', `${base}/api/v2/tutorial/assignments`, token);
    const dash = await load('GET /api/v2/student/dashboard', `${base}/api/v2/student/dashboard`, token);

    const results = {
      when: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        loadAverageBefore: loadBefore,
        note: 'load generator and API (one process, pool 20) share the machine, and other work ran on it too',
      },
      seededStudent: { email: 'ayu@gema.local', dashboardCounts: sample.counts },
      routes: [assignments, dash],
      dashboardSqlQueries: statements.length,
    };
    writeResults('learning', results);
    process.stdout.write(`dashboard SQL statements per request: ${statements.length}\nwrote bench/results/learning.json\n`);
  } finally {
    if (child) await stopChild(child);
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
