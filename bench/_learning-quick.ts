import '../common/require-node';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../common/config';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels } from '../common/models';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { benchEnv, dropBenchData, stopChild } from './_lib';
import { load, serverCommand, warm } from './_wrk';
import { allocationProbe } from './_alloc';
import { readerBearers, seedSchool } from './_seed-school';

/**
 * A quick A/B of what the cached student routes cost the production build per request, on the
 * bench school (bench/_seed-school.ts), 200 students in turn: bytes allocated and promoted, CPU ms
 * and GC per request (bench/_alloc-probe.mjs), plus req/s and p95 (noisy on a shared machine). No
 * ceiling and no uncached run, so a change is compared in a few minutes:
 *
 *   npx tsx bench/_learning-quick.ts [seconds] [connections]
 *
 * BENCH_DIST (default dist) is the build to run; with BENCH_DIST_B=<another build> both run side by
 * side on the same school and their windows alternate (A B A B …), so machine drift falls on both.
 * BENCH_ROUTES=assignments|dashboard keeps one route; BENCH_WINDOWS (default 3) windows per build and
 * route; BENCH_CPU_PROF_DIR=<dir> runs the servers with --cpu-prof into that directory (one profile
 * per build, written when the server stops; summarise with bench/_profile-summary.ts).
 * BENCH_ACCEPT_ENCODING=gzip sends that header, as a browser does. BENCH_READERS (200) students in turn
 * (bench/learning.ts reads as all 1,000). Prints one JSON line per window.
 */
const SECONDS = Number(process.argv[2] ?? 5);
const CONNECTIONS = Number(process.argv[3] ?? 100);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 3);
const READERS = Number(process.env.BENCH_READERS ?? 200);
const ROOT = path.resolve(__dirname, '..');
const ALL_ROUTES = { assignments: '/api/v2/tutorial/assignments', dashboard: '/api/v2/student/dashboard' };

async function waitReady(url: string, child: ChildProcess) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the API did not become ready');
}

async function main() {
  const runId = crypto.randomBytes(3).toString('hex');
  const env = benchEnv('lquick', {
    DATABASE_POOL_MAX: '20',
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
    const headers: Record<string, string> = process.env.BENCH_ACCEPT_ENCODING ? { 'Accept-Encoding': process.env.BENCH_ACCEPT_ENCODING } : {};

    const builds = [{ name: 'A', dist: process.env.BENCH_DIST ?? 'dist' }];
    if (process.env.BENCH_DIST_B) builds.push({ name: 'B', dist: process.env.BENCH_DIST_B });
    const profDir = process.env.BENCH_CPU_PROF_DIR;
    const servers = [];
    for (const b of builds) {
      const probe = allocationProbe(`lquick-${b.name}`);
      const port = 20000 + Math.floor(Math.random() * 20000);
      const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`, `--cpu-prof-name=learning-${b.name}-${runId}.cpuprofile`] : [];
      const { cmd, args } = serverCommand([...HEAP_FLAGS, ...prof, ...probe.nodeArgs, path.resolve(ROOT, b.dist, 'api/server.js')]);
      const child = spawn(cmd, args, {
        cwd: ROOT,
        env: { ...env, ...probe.env, PORT: String(port), HOST: '127.0.0.1' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitReady(url, child);
      servers.push({ ...b, url, child, probe });
    }
    const only = process.env.BENCH_ROUTES as keyof typeof ALL_ROUTES | undefined;
    const routes = only ? [ALL_ROUTES[only]] : Object.values(ALL_ROUTES);
    for (const route of routes) {
      for (const s of servers) await warm({ url: `${s.url}${route}`, connections: CONNECTIONS, rotate, headers }, 3);
      const sample = await fetch(`${servers[0]!.url}${route}`, { headers: { authorization: values[0]!, ...headers } });
      const bytes = (await sample.arrayBuffer()).byteLength;
      console.log(JSON.stringify({ route, sampleBytes: bytes, contentEncoding: sample.headers.get('content-encoding') }));
      for (let i = 0; i < WINDOWS; i++) {
        for (const s of servers) {
          const { result, allocation } = await s.probe.measure(s.child.pid!, () =>
            load({ url: `${s.url}${route}`, connections: CONNECTIONS, seconds: SECONDS, rotate, headers }),
          );
          console.log(
            JSON.stringify({
              build: s.name,
              route: route.split('/').pop(),
              rps: result.requestsPerSecond,
              p95: result.latencyMs.p95,
              errors: result.errors,
              kbAlloc: Math.round((allocation.bytesAllocatedPerRequest ?? 0) / 100) / 10,
              kbPromoted: Math.round((allocation.bytesPromotedPerRequest ?? 0) / 100) / 10,
              cpuMs: allocation.cpuMsPerRequest,
              gcMsPerReq: allocation.gc.msPerRequest,
              fullGcs: allocation.gc.fullGcs,
            }),
          );
        }
      }
    }
  } finally {
    for (const c of children) await stopChild(c);
    await sequelize.close();
    await dropBenchData(config);
    if (process.env.BENCH_CPU_PROF_DIR) console.log(fs.readdirSync(process.env.BENCH_CPU_PROF_DIR).join('\n'));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
