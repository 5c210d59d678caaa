import '../common/require-node';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { Classroom, User, WebAssignment } from '../common/models';
import { DEFAULT_RUBRIC, isBrowserCheck } from '../common/web-lab/types';
import { DEMO_WEB_CHECKS, FINISHED } from '../scripts/seed/web-lab';
import { BrowserPool } from '../worker/web-checks/browser';
import { closePage, openPage, runBrowserCheck, screenshot } from '../worker/web-checks/browser-checks';
import { runStaticCheck } from '../worker/web-checks/static-checks';
import { percentile, round1, writeResults } from './_lib';
import { startBenchStack } from './_stack';

/**
 * Web checks against the real services and real Chromium: the API in this process (HTTP +
 * Socket.IO), one worker process (`worker/main.ts`, `web-checks` only, concurrency 1).
 *  - latency: one submission at a time, POST until the student's socket gets `web-check:completed`
 *  - throughput: a burst of submissions; pages checked per minute by that worker process
 *  - ceiling: the same checks on the same files in this process, straight through the worker's
 *    functions, with no API, queue, database or socket in between
 *  - RSS: the worker process plus its Chromium processes, sampled every 200 ms (peak)
 * The demo assignment's nine checks open three pages per version (the page as loaded, one for the
 * script check, one at phone width).
 */
const root = path.join(__dirname, '..');
const runId = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const env: Record<string, string> = {
  NODE_ENV: 'test',
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/gema_bench_web_${runId}`,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  REDIS_PREFIX: `gema_bench_web_${runId}:`,
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  JWT_SECRET: crypto.randomBytes(32).toString('hex'),
  JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
  RATE_LIMIT_ENABLED: 'false',
  WORKER_QUEUES: 'web-checks',
  METRICS_ENABLED: 'false',
  UPLOAD_DIR: `var/bench-web-${runId}`,
};
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 15);
const BURST = Number(process.env.BENCH_THROUGHPUT ?? 20);
const PAGES_PER_VERSION = 3;

function treeRssKb(rootPid: number): number {
  const procs = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const s = fs.readFileSync(`/proc/${d}/status`, 'utf8');
        return [{ pid: Number(d), ppid: Number(/PPid:\s+(\d+)/.exec(s)![1]), rss: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) }];
      } catch {
        return [];
      }
    });
  let total = 0;
  let frontier = [rootPid];
  total += procs.find((p) => p.pid === rootPid)?.rss ?? 0;
  while (frontier.length) {
    const next = procs.filter((p) => frontier.includes(p.ppid));
    total += next.reduce((t, p) => t + p.rss, 0);
    frontier = next.map((p) => p.pid);
  }
  return total;
}

async function main() {
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const stack = await startBenchStack(env);
  const { deps, url, worker } = stack;
  const config = deps.config;
  let peakWorkerRssKb = 0;
  const sampler = setInterval(() => (peakWorkerRssKb = Math.max(peakWorkerRssKb, treeRssKb(worker.pid!))), 200);

  const classroom = await Classroom.create({ name: 'Bench', academicYear: '2025/2026' });
  const students = await User.bulkCreate(
    Array.from({ length: BURST + 1 }, (_, i) => ({
      email: `webbench${i}@gema.local`,
      name: `Bench ${i}`,
      role: 'student' as const,
      passwordHash: 'x',
      emailVerifiedAt: new Date(),
      classroomId: classroom.id,
    })),
  );
  const tokens = students.map((u) => deps.tokens.sign({ id: u.id, role: u.role, email: u.email, name: u.name }, crypto.randomUUID()).token);
  const assignment = await WebAssignment.create({
    title: 'Bench',
    classroomId: classroom.id,
    dueAt: new Date(Date.now() + 86_400_000),
    points: 100,
    rubric: DEFAULT_RUBRIC,
    checks: DEMO_WEB_CHECKS,
    published: true,
    createdBy: null,
  });

  const completedAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const clients: Socket[] = await Promise.all(
    tokens.map(
      (token) =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
          s.on('web-check:completed', (p: { versionId: string; score: number; maxScore: number }) => {
            if (p.score !== p.maxScore) console.error('unexpected score', p);
            completedAt.set(p.versionId, performance.now());
            waiters.get(p.versionId)?.();
          });
          s.once('connect', () => resolve(s));
          s.once('connect_error', reject);
        }),
    ),
  );
  const done = (id: string) => new Promise<void>((resolve) => (completedAt.has(id) ? resolve() : waiters.set(id, resolve)));
  const submit = async (i: number) => {
    const sentAt = performance.now();
    const res = await fetch(`${url}/api/v2/web-lab/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i]}` },
      body: JSON.stringify({ assignmentId: assignment.id, files: FINISHED }),
    });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    return { id: ((await res.json()) as { data: { id: string } }).data.id, sentAt };
  };

  // warm-up: the first browser start, the parsers' first import
  for (let i = 0; i < 2; i++) await done((await submit(0)).id);
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const { id, sentAt } = await submit(0);
    await done(id);
    samples.push(completedAt.get(id)! - sentAt);
  }
  const start = performance.now();
  const ids: string[] = [];
  for (let i = 1; i <= BURST; i++) ids.push((await submit(i)).id);
  await Promise.all(ids.map(done));
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);

  // ceiling: the same work with nothing around it
  const pool = new BrowserPool(config.webLab, { warn: () => undefined, info: () => undefined });
  const limits = { pageTimeoutMs: config.webLab.pageTimeoutMs, checkTimeoutMs: config.webLab.checkTimeoutMs };
  const axe = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const once = async () => {
    const main = await openPage(pool, FINISHED, 'index.html', 1280, limits);
    await screenshot(main, limits);
    for (const check of DEMO_WEB_CHECKS) {
      if (!isBrowserCheck(check.kind)) await runStaticCheck(check, FINISHED);
      else if (check.kind === 'script' || check.kind === 'layout') {
        const own = await openPage(pool, FINISHED, 'index.html', check.config.width ?? 1280, limits);
        const v = await runBrowserCheck(check, own, limits, axe);
        if (!v.passed) console.error('ceiling check failed', check.id, v.reason);
        await closePage(pool, own);
      } else await runBrowserCheck(check, main, limits, axe);
    }
    await closePage(pool, main);
  };
  await once();
  const ceilingStart = performance.now();
  for (let i = 0; i < BURST; i++) await once();
  const ceilingSeconds = (performance.now() - ceilingStart) / 1000;
  await pool.close();

  const result = {
    bench: 'web-checks',
    node: process.versions.node,
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    browser: 'Debian chromium, headless, run as nobody with its sandbox on',
    checks: `${DEMO_WEB_CHECKS.length} (the demo assignment: one of each kind), ${PAGES_PER_VERSION} pages per version`,
    workerProcess: { processes: 1, concurrency: config.worker.concurrency['web-checks'] },
    latencySubmitToCompletedMs: { p50: round1(percentile(samples, 50)), p95: round1(percentile(samples, 95)), runs: samples.length },
    throughput: {
      versions: ids.length,
      seconds: round1(seconds),
      versionsPerMinutePerWorker: round1((ids.length / seconds) * 60),
      pagesCheckedPerMinutePerWorker: round1(((ids.length * PAGES_PER_VERSION) / seconds) * 60),
    },
    ceiling: {
      what: 'the same checks on the same files in one process, no API, queue, database, storage or socket',
      versionsPerMinute: round1((BURST / ceilingSeconds) * 60),
      pagesPerMinute: round1(((BURST * PAGES_PER_VERSION) / ceilingSeconds) * 60),
    },
    rss: {
      workerWithChromiumPeakMb: round1(peakWorkerRssKb / 1024),
      apiAndBenchProcessMb: round1(process.memoryUsage().rss / 1024 / 1024),
    },
  };
  writeResults('web-checks', result);
  console.log(JSON.stringify(result, null, 2));

  clients.forEach((c) => c.close());
  await stack.stop();
  fs.rmSync(path.join(root, env.UPLOAD_DIR!), { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
