import '../common/require-node';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../common/config';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels } from '../common/models';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { benchEnv, primePages, pageCacheCounts, dropBenchData, stopChild } from './_lib';
import { load, serverCommand, warm, type LoadFigures } from './_wrk';
import { allocationProbe } from './_alloc';
import { loadAtRate, type RateFigures } from './_learning-rate';
import { readerBearers, seedSchool } from './_seed-school';

/**
 * Where the cached student routes' tail latency comes from, on the bench school: the production
 * build with the stall probe (bench/_learning-stall-probe.mjs: event-loop delay, GC pauses by kind)
 * and the allocation probe, under wrk at saturation and under the open-loop generator at a fixed rate
 * (bench/_learning-rate.ts), with the page cache's answers by source and evictions read from /metrics
 * around each window. No ceiling, no results file: one JSON line per window.
 *
 *   npx tsx bench/_learning-tail.ts [seconds] [rate]
 *
 * BENCH_READERS (default 1000: every student of the school) students in turn; BENCH_DIST /
 * BENCH_DIST_B as in _learning-quick.ts (windows alternate A B A B …); BENCH_WINDOWS (default 2);
 * BENCH_ROUTES=assignments|dashboard; BENCH_APP_ENV='{"STUDENT_CACHE_MEMORY_MB":"8"}' extra env for
 * the servers; BENCH_TRACE_GC=<file> runs build A with --trace-gc, its lines written to that file;
 * BENCH_FLAGS_A / BENCH_FLAGS_B: node flags added after the heap flags for that build (BENCH_DIST_B
 * may name the same build, to compare flags).
 */
const SECONDS = Number(process.argv[2] ?? 8);
const RATE = Number(process.argv[3] ?? 3000);
const CONNECTIONS = 100;
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 2);
const READERS = Number(process.env.BENCH_READERS ?? 1000);
const ROOT = path.resolve(__dirname, '..');
const ALL_ROUTES = { assignments: '/api/v2/tutorial/assignments', dashboard: '/api/v2/student/dashboard' };
const HEADERS = { 'Accept-Encoding': process.env.BENCH_ACCEPT_ENCODING ?? 'gzip, deflate, br' };

async function waitReady(url: string, child: ChildProcess) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the API did not become ready');
}

async function main() {
  const runId = crypto.randomBytes(3).toString('hex');
  const env = benchEnv('ltail', {
    DATABASE_POOL_MAX: '20',
    ...(JSON.parse(process.env.BENCH_APP_ENV ?? '{}') as Record<string, string>),
  });
  const config = loadConfig(env);
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  const children: ChildProcess[] = [];
  try {
    await createMigrator(sequelize).up();
    initModels(sequelize);
    await seedSchool(sequelize);
    const values = await readerBearers(config, READERS);
    const rotate = { name: 'Authorization', values };

    const builds = [{ name: 'A', dist: process.env.BENCH_DIST ?? 'dist' }];
    if (process.env.BENCH_DIST_B) builds.push({ name: 'B', dist: process.env.BENCH_DIST_B });
    const servers = [];
    for (const b of builds) {
      const alloc = allocationProbe(`ltail-${b.name}-${runId}`);
      const stallFile = path.join(os.tmpdir(), `gema-stall-${runId}-${b.name}.json`);
      const traceGc = b.name === 'A' ? process.env.BENCH_TRACE_GC : undefined;
      const port = 20000 + Math.floor(Math.random() * 20000);
      const flags = (process.env[`BENCH_FLAGS_${b.name}`] ?? '').split(' ').filter(Boolean);
      const nodeArgs = [
        ...HEAP_FLAGS,
        ...flags,
        ...(traceGc ? ['--trace-gc'] : []),
        ...alloc.nodeArgs,
        '--import',
        path.join(__dirname, '_learning-stall-probe.mjs'),
        path.resolve(ROOT, b.dist, 'api/server.js'),
      ];
      const { cmd, args } = serverCommand(nodeArgs);
      const child = spawn(cmd, args, {
        cwd: ROOT,
        env: { ...env, ...alloc.env, BENCH_STALL_FILE: stallFile, PORT: String(port), HOST: '127.0.0.1' },
        stdio: ['ignore', traceGc ? fs.openSync(traceGc, 'w') : 'ignore', 'inherit'],
      });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitReady(url, child);
      servers.push({ ...b, url, child, alloc, stallFile });
    }
    const only = process.env.BENCH_ROUTES as keyof typeof ALL_ROUTES | undefined;
    const routes = only ? [ALL_ROUTES[only]] : Object.values(ALL_ROUTES);
    for (const route of routes) {
      // every reader's page built and held before anything is measured
      for (const s of servers) {
        await primePages(`${s.url}${route}`, values, HEADERS);
        await warm({ url: `${s.url}${route}`, connections: CONNECTIONS, rotate, headers: HEADERS }, 4);
      }
      for (let i = 0; i < WINDOWS; i++) {
        for (const mode of ['saturation', 'rate'] as const) {
          for (const s of servers) {
            const before = await pageCacheCounts(s.url);
            fs.rmSync(s.stallFile, { force: true });
            const { result, allocation } = await s.alloc.measure<LoadFigures | RateFigures>(s.child.pid!, () =>
              mode === 'saturation'
                ? load({ url: `${s.url}${route}`, connections: CONNECTIONS, seconds: SECONDS, rotate, headers: HEADERS })
                : loadAtRate({ url: `${s.url}${route}`, rate: RATE, seconds: SECONDS, connections: CONNECTIONS, rotate, headers: HEADERS }),
            );
            const after = await pageCacheCounts(s.url);
            for (let t = 0; t < 100 && !fs.existsSync(s.stallFile); t++) await new Promise((r) => setTimeout(r, 50));
            const stall = JSON.parse(fs.readFileSync(s.stallFile, 'utf8')) as unknown;
            console.log(
              JSON.stringify({
                build: s.name,
                route: route.split('/').pop(),
                mode,
                load: os.loadavg()[0]!.toFixed(1),
                rps: result.requestsPerSecond,
                latencyMs: result.latencyMs,
                ...(result.generator === 'open-loop' ? { serviceMs: result.serviceMs, generatorLoopP99Ms: result.generatorLoopP99Ms } : {}),
                errors: result.errors,
                kbAlloc: Math.round((allocation.bytesAllocatedPerRequest ?? 0) / 100) / 10,
                kbPromoted: Math.round((allocation.bytesPromotedPerRequest ?? 0) / 100) / 10,
                cpuMs: allocation.cpuMsPerRequest,
                cache: {
                  memory: after.memory - before.memory,
                  redis: after.redis - before.redis,
                  built: after.built - before.built,
                  evicted: after.evicted - before.evicted,
                  heldMb: after.heldMb,
                },
                stall,
              }),
            );
          }
        }
      }
    }
  } finally {
    for (const c of children) await stopChild(c);
    for (const b of ['A', 'B']) fs.rmSync(path.join(os.tmpdir(), `gema-stall-${runId}-${b}.json`), { force: true });
    await sequelize.close();
    await dropBenchData(config);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
