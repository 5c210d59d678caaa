import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { loadConfig } from '../common/config';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels, Announcement, GalleryItem, StoredFile, User } from '../common/models';
import { renderMarkdown } from '../common/content/markdown';
import { seedDemoSchool } from '../scripts/seed/index';
import { generateDemoActivity } from '../scripts/seed/demo-activity';
import { benchEnv, dropBenchData, percentile, round1, runAutocannon, stopChild, waitForLine, writeResults } from './_lib';

/**
 * GET /public/home and GET /announcements (anonymous) at 100 connections through the real app, beside
 * a bare node:http server doing the same SQL, Redis cache, JSON and ETag work, each server in its own
 * child process and autocannon here in the parent. Per route and server, two scenarios:
 * - `cold`: plain requests (no validator) after the figures cache was emptied: every answer is built
 *   and sent in full (200), the first one also computing the figures;
 * - `cached`: every request carries the current ETag in If-None-Match, so the answer is 304 with no
 *   body (the server still builds it to compare: the saving is bytes and serialisation, not queries).
 * Also the latency of the very first request with an empty figures cache, and each server's RSS.
 * Writes bench/results/public.json.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const WARMUP = 2;
const ROUTES = ['/api/v2/public/home', '/api/v2/announcements'] as const;

const env = benchEnv('public', {
  DATABASE_POOL_MAX: '20',
  BCRYPT_COST: '4',
  // the route's own limiters, like the global one, stay in the stack but never throttle
  PUBLIC_RATE_LIMIT_MAX: '1000000000',
});

async function startServer(mode: 'app' | 'bare', cacheSeconds: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '_public-server.ts'), mode], {
    env: { ...env, PUBLIC_CACHE_SECONDS: String(cacheSeconds) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await waitForLine(child, (line) => /^READY (\d+)$/.exec(line)?.[1], `${mode} server`).then(Number);
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Resident and peak resident memory of a child, from /proc (Linux), in MB. */
function memoryOf(child: ChildProcess): { rssMb: number; peakRssMb: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: round1(kb('VmRSS') / 1024), peakRssMb: round1(kb('VmHWM') / 1024) };
  } catch {
    return null;
  }
}

interface Figures {
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  requests: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

/** Rounds of one server as one figure: requests and statuses summed, rps averaged, percentiles over every response. */
async function drive(opts: autocannon.Options, rounds: number, between: () => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let rps = 0;
  let requests = 0;
  let errors = 0;
  let timeouts = 0;
  let max = 0;
  for (let round = 0; round < rounds; round++) {
    await between();
    const { result: r, latencies: l } = await runAutocannon(opts);
    for (const x of l) latencies.push(x);
    for (const [code, n] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = (statuses[code] ?? 0) + (n as { count: number }).count;
    rps += r.requests.average;
    requests += r.requests.total;
    errors += r.errors;
    timeouts += r.timeouts;
    max = Math.max(max, r.latency.max);
  }
  return {
    requestsPerSecond: Math.round(rps / rounds),
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max },
    requests,
    statuses,
    errors,
    timeouts,
  };
}

/** Two rounds of one server as one figure: sums, averaged rps, and the worse round's percentiles. */
function merge(list: Figures[]): Figures & { rounds: Figures[] } {
  const statuses: Record<string, number> = {};
  for (const f of list) for (const [k, v] of Object.entries(f.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const worst = (pick: (f: Figures) => number) => Math.max(...list.map(pick));
  return {
    requestsPerSecond: Math.round(list.reduce((a, f) => a + f.requestsPerSecond, 0) / list.length),
    latencyMs: {
      p50: worst((f) => f.latencyMs.p50),
      p95: worst((f) => f.latencyMs.p95),
      p99: worst((f) => f.latencyMs.p99),
      max: worst((f) => f.latencyMs.max),
    },
    requests: list.reduce((a, f) => a + f.requests, 0),
    statuses,
    errors: list.reduce((a, f) => a + f.errors, 0),
    timeouts: list.reduce((a, f) => a + f.timeouts, 0),
    rounds: list,
  };
}

async function seed(config: ReturnType<typeof loadConfig>) {
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  await createMigrator(sequelize).up();
  initModels(sequelize);
  await seedDemoSchool(sequelize, { bcryptCost: 4 });
  await generateDemoActivity(sequelize);
  const admin = (await User.findOne({ where: { role: 'admin' } }))!;
  // a school year of news: 60 school-wide announcements, a fifth on the homepage, some events
  const body = '## Info\n\nSiswa kelas **XI RPL** diminta membawa laptop. [Jadwal](https://gema.sch.id/jadwal)\n\n- satu\n- dua\n';
  for (let i = 0; i < 60; i++) {
    const content = body.repeat(3);
    await Announcement.create({
      title: `Pengumuman ${i}`,
      excerpt: 'Siswa kelas XI RPL diminta membawa laptop.',
      content,
      contentHtml: renderMarkdown(content),
      category: i % 6 === 0 ? 'event' : 'system',
      important: i % 10 === 0,
      showOnHomepage: i % 5 === 0 || i % 6 === 0,
      deadline: i % 6 === 0 ? new Date(Date.now() + (i + 1) * 86_400_000) : null,
      publishAt: new Date(Date.now() - i * 3_600_000),
      notifiedAt: new Date(),
      authorId: admin.id,
    });
  }
  // twelve homepage pictures with their three sizes on record (bytes are not fetched by these routes)
  for (let i = 0; i < 12; i++) {
    const sha256 = crypto.createHash('sha256').update(`picture ${i}`).digest('hex');
    const key = `${admin.id}/${crypto.randomUUID()}`;
    const file = await StoredFile.create({
      ownerId: admin.id,
      storageDriver: 'local',
      storageKey: key,
      originalName: `foto-${i}.jpg`,
      mimeType: 'image/jpeg',
      size: 250_000,
      sha256,
      status: 'ready',
      metadata: {
        width: 2400,
        height: 1600,
        variants: [320, 800, 1600].map((w) => ({ width: w, actualWidth: w, height: Math.round((w * 2) / 3), key: `${key}.w${w}.webp` })),
      },
    });
    await sequelize.query('INSERT INTO published_files (file_id) VALUES (:id)', { replacements: { id: file.id } });
    await GalleryItem.create({ title: `Kegiatan ${i}`, description: 'Praktik di lab.', category: 'lab', fileId: file.id, showOnHomepage: true });
  }
  return sequelize;
}

async function main() {
  const config = loadConfig(env);
  const sequelize = await seed(config);
  const redis = new Redis(config.redis.url);
  const figuresKey = `${config.redis.prefix}public:home:figures`;
  type Scenario = 'cold' | 'cached' | 'cached304';
  const SCENARIOS: Scenario[] = ['cold', 'cached', 'cached304'];
  try {
    const results: Record<string, Partial<Record<Scenario, Record<string, Figures>>>> = {};
    const firstRequest: Record<string, Record<string, number>> = {};
    const memory: Record<string, Record<string, { rssMb: number; peakRssMb: number } | null>> = {};
    for (const route of ROUTES) results[route] = {};
    // phase 1 with no in-memory copy (every request queries), phase 2 with the default 5 s copy
    for (const [phase, cacheSeconds, scenarios] of [
      ['cold', 0, ['cold']],
      ['cached', 5, ['cached', 'cached304']],
    ] as Array<[string, number, Scenario[]]>) {
      const servers = { app: await startServer('app', cacheSeconds), bare: await startServer('bare', cacheSeconds) };
      for (const route of ROUTES) {
        if (phase === 'cold') {
          firstRequest[route] = {};
          for (const [name, server] of Object.entries(servers)) {
            await redis.del(figuresKey);
            const started = performance.now();
            const first = await fetch(`${server.url}${route}`);
            await first.arrayBuffer();
            firstRequest[route]![name] = round1(performance.now() - started);
            if (first.status !== 200) throw new Error(`${name} ${route} answered ${first.status}`);
          }
        }
        for (const scenario of scenarios) {
          results[route]![scenario] = {};
          // app and bare alternate in two rounds each, so drifting load from other processes on the
          // machine falls on both alike instead of on whichever ran second
          const plans = await Promise.all(
            Object.entries(servers).map(async ([name, server]) => {
              const url = `${server.url}${route}`;
              const tag = (await fetch(url)).headers.get('etag')!;
              const opts: autocannon.Options = { url, connections: CONNECTIONS, headers: scenario === 'cached304' ? { 'if-none-match': tag } : {} };
              return { name, opts };
            }),
          );
          for (const { opts } of plans) await runAutocannon({ ...opts, duration: WARMUP });
          const rounds: Record<string, Figures[]> = {};
          for (let round = 0; round < 2; round++) {
            for (const { name, opts } of plans) {
              console.log(`${route} ${scenario} ${name} round ${round + 1}: ${CONNECTIONS} connections, ${DURATION / 2} s`);
              const figures = await drive({ ...opts, duration: DURATION / 2 }, 1, async () => {
                if (scenario === 'cold') await redis.del(figuresKey);
              });
              console.log(figures);
              (rounds[name] ??= []).push(figures);
            }
          }
          for (const [name, list] of Object.entries(rounds)) results[route]![scenario]![name] = merge(list);
        }
      }
      memory[phase] = { app: memoryOf(servers.app.child), bare: memoryOf(servers.bare.child) };
      await stopChild(servers.app.child);
      await stopChild(servers.bare.child);
    }

    const summary = Object.fromEntries(
      ROUTES.map((route) => [
        route,
        Object.fromEntries(
          SCENARIOS.map((s) => {
            const app = results[route]![s]!.app!;
            const bareF = results[route]![s]!.bare!;
            return [
              s,
              {
                appRps: app.requestsPerSecond,
                appP95Ms: app.latencyMs.p95,
                bareRps: bareF.requestsPerSecond,
                bareP95Ms: bareF.latencyMs.p95,
                ratio: Math.round((app.requestsPerSecond / bareF.requestsPerSecond) * 100) / 100,
              },
            ];
          }),
        ),
      ]),
    );
    writeResults('public', {
      bench: 'public',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.versions.node, loadAvg1m: os.loadavg()[0] },
      setup: {
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        warmupSeconds: WARMUP,
        schedule: `per route and scenario: ${WARMUP} s warm-up of each server, then app and bare alternately, 2 rounds of ${DURATION / 2} s each; rps averaged over the rounds, p50/p95/p99 the worse round's`,
        data: 'demo school + a demo week of activity, 60 school-wide announcements (~600 B Markdown each, 12 on the homepage, 10 events), 12 homepage gallery pictures',
        cold: 'PUBLIC_CACHE_SECONDS=0, plain anonymous GETs, figures cache emptied before the run: every request runs the SQL and gets the full answer (200)',
        cached: 'PUBLIC_CACHE_SECONDS=5 (the default): plain anonymous GETs answered from the in-memory copy, rebuilt every 5 s (200, full body)',
        cached304: 'PUBLIC_CACHE_SECONDS=5 and every GET carries the current ETag: 304 with no body',
        memory: 'VmRSS and VmHWM (peak) of each server process from /proc at the end of its phase',
        loadGenerator: 'autocannon in the parent process; each server in its own child process; no Accept-Encoding, so no compression',
        app: 'createApp with real deps, NODE_ENV=production, LOG_LEVEL=warn, DATABASE_POOL_MAX=20, global and anonymous limiters on with limits too high to throttle',
        bare: 'node:http + pg Pool (20) + ioredis: the same SQL and figures cache, JSON.stringify, etag(), 304 on If-None-Match; nothing else',
      },
      summary,
      firstRequestWithEmptyFiguresCacheMs: firstRequest,
      memory,
      results,
    });
    console.log(JSON.stringify({ summary, firstRequest, memory }, null, 2));
  } finally {
    await redis.quit();
    await sequelize.close();
    await dropBenchData(config);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
