import '../common/require-node';
/**
 * Memory over time under steady load: the production API (dist/api/server.js with the heap flags of
 * common/runtime/heap-flags.ts) driven on GET /auth/session by wrk (pinned apart, 100 connections)
 * for BENCH_SOAK_SECONDS (600 by default; `--seconds N` or `--quick` = 60 s), its RSS and V8 heap
 * (from its own /metrics) sampled every 5 s; then 30 s idle, to see what it gives back. Beside it,
 * the ceiling: a bare node:http doing the same work (bench/_auth-session-server.ts bare) under the
 * same load for a fifth of the time, its RSS sampled alike. Also the worker's idle RSS (with its
 * JavaScript runner pool). Writes bench/results/soak.json. Needs `npm run build`.
 */
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import bcrypt from 'bcrypt';
import { loadConfig } from '../common/config';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { benchEnv, dropBenchData, stopChild, writeResults } from './_lib';
import { sessionStudent } from './_session-student';
import { startSessionServer } from './_session-server';
import { load, rssMb, serverCommand, wrkAvailable, type LoadFigures } from './_wrk';

const ROOT = path.resolve(__dirname, '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const SECONDS = process.argv.includes('--quick') ? 60 : Number(arg('--seconds') ?? process.env.BENCH_SOAK_SECONDS ?? 600);
const SAMPLE_SECONDS = 5;
const IDLE_AFTER_SECONDS = 30;
const CONNECTIONS = 100;
const TARGET = { rssUnderLoadBelowMb: 150, idleRssBelowMb: 100, driftBelowMb: 10 };

interface Sample {
  t: number;
  rssMb: number;
  heapUsedMb?: number;
  heapTotalMb?: number;
}

async function heapOf(url: string): Promise<{ heapUsedMb: number; heapTotalMb: number } | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
    return {
      heapUsedMb: Math.round(read('nodejs_heap_size_used_bytes') * 10) / 10,
      heapTotalMb: Math.round(read('nodejs_heap_size_total_bytes') * 10) / 10,
    };
  } catch {
    return undefined;
  }
}

/** Samples the process every SAMPLE_SECONDS while `during` runs. */
async function sampled(pid: number, metricsUrl: string | undefined, started: number, during: Promise<unknown>): Promise<Sample[]> {
  const samples: Sample[] = [];
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    const heap = metricsUrl ? await heapOf(metricsUrl) : undefined;
    samples.push({ t: Math.round((Date.now() - started) / 1000), rssMb: rssMb(pid), ...heap });
    await Promise.race([during, new Promise((r) => setTimeout(r, SAMPLE_SECONDS * 1000))]);
  }
  return samples;
}

const idle = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const max = (xs: number[]) => Math.max(...xs);
const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;

async function main() {
  const env = benchEnv('soak');
  const config = loadConfig(env);
  const { sequelize, token } = await sessionStudent(config, {
    email: 'soak@gema.local',
    name: 'Soak',
    passwordHash: await bcrypt.hash('x-soak-password', 4),
  });
  const children: ChildProcess[] = [];
  try {
    const headers = { authorization: `Bearer ${token}` };

    // the worker, idle, with its runner pool: its RSS once settled
    const worker = spawn(process.execPath, [...HEAP_FLAGS, path.join(ROOT, 'dist/worker/main.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(worker);

    const port = 20000 + Math.floor(Math.random() * 20000);
    const { cmd, args } = serverCommand([...HEAP_FLAGS, path.join(ROOT, 'dist/api/server.js')]);
    const api = spawn(cmd, args, { cwd: ROOT, env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(api);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) {
      if (
        await fetch(`${url}/ready`)
          .then((r) => r.ok)
          .catch(() => false)
      )
        break;
      await idle(0.2);
    }
    await idle(10);
    // taskset execs node: api.pid is the server itself
    const idleBefore = { rssMb: rssMb(api.pid!), ...(await heapOf(url)) };
    const workerIdle = { rssMb: rssMb(worker.pid!) };
    process.stdout.write(`idle: API ${idleBefore.rssMb} MB, worker ${workerIdle.rssMb} MB; soak ${SECONDS} s\n`);

    const started = Date.now();
    let figures!: LoadFigures;
    const loadRun = load({ url: `${url}/api/v2/auth/session`, connections: CONNECTIONS, seconds: SECONDS, headers }).then((f) => (figures = f));
    const underLoad = await sampled(api.pid!, url, started, loadRun);
    const afterIdle = await sampled(api.pid!, url, started, idle(IDLE_AFTER_SECONDS));
    await stopChild(api);

    const bareSeconds = Math.max(10, Math.round(SECONDS / 5));
    const { child: bare, origin: bareOrigin } = await startSessionServer({ mode: 'bare', env });
    children.push(bare);
    const bareStarted = Date.now();
    let bareFigures!: LoadFigures;
    const bareRun = load({ url: `${bareOrigin}/api/v2/auth/session`, connections: CONNECTIONS, seconds: bareSeconds, headers }).then(
      (f) => (bareFigures = f),
    );
    const bareSamples = await sampled(bare.pid!, undefined, bareStarted, bareRun);

    const rss = underLoad.map((s) => s.rssMb);
    const minuteSamples = Math.max(1, Math.round(60 / SAMPLE_SECONDS));
    const firstMinute = mean(rss.slice(0, minuteSamples));
    const lastMinute = mean(rss.slice(-minuteSamples));
    const summary = {
      idleRssMb: idleBefore.rssMb,
      maxRssUnderLoadMb: max(rss),
      meanRssFirstMinuteMb: firstMinute,
      meanRssLastMinuteMb: lastMinute,
      driftMb: Math.round((lastMinute - firstMinute) * 10) / 10,
      maxHeapUsedMb: max(underLoad.map((s) => s.heapUsedMb ?? 0)),
      rssAfterIdleMb: afterIdle.at(-1)?.rssMb ?? null,
      workerIdleRssMb: workerIdle.rssMb,
      bareMaxRssMb: max(bareSamples.map((s) => s.rssMb)),
      requestsPerSecond: figures.requestsPerSecond,
      bareRequestsPerSecond: bareFigures.requestsPerSecond,
    };
    const result = {
      bench: 'soak',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.versions.node, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      setup: {
        route: 'GET /api/v2/auth/session',
        seconds: SECONDS,
        sampleSeconds: SAMPLE_SECONDS,
        connections: CONNECTIONS,
        heapFlags: HEAP_FLAGS,
        generator: wrkAvailable ? 'wrk pinned to the last CPU, server pinned to the others' : 'autocannon in this process',
        ceiling: `bare node:http doing the same work, ${bareSeconds} s under the same load`,
      },
      target: TARGET,
      met: summary.maxRssUnderLoadMb < TARGET.rssUnderLoadBelowMb && Math.abs(summary.driftMb) < TARGET.driftBelowMb,
      summary,
      load: figures,
      bareLoad: bareFigures,
      idleBefore,
      series: { underLoad, afterIdle, bare: bareSamples },
    };
    writeResults('soak', result);
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\nwrote bench/results/soak.json\n`);
  } finally {
    for (const c of children) await stopChild(c);
    await sequelize.close();
    await dropBenchData(config);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
