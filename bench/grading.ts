import '../common/require-node';
import crypto from 'node:crypto';
import os from 'node:os';
import { io as connect, type Socket } from 'socket.io-client';
import { Classroom, CodingTask, CodingTestCase, User, type CodingLanguage } from '../common/models';
import { percentile, writeResults } from './_lib';
import { startBenchStack } from './_stack';

/**
 * Grading latency and throughput against the real services: the API in this process (HTTP +
 * Socket.IO), one worker process (`worker/main.ts`, grading only, default concurrency 2).
 *  - latency: one submission at a time, from POST to the student's `grading:completed` (5 tests)
 *  - throughput: many submissions at once, graded submissions per second for that worker process
 */
const runId = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const env: Record<string, string> = {
  NODE_ENV: 'test',
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/gema_bench_grading_${runId}`,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  REDIS_PREFIX: `gema_bench_grading_${runId}:`,
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  JWT_SECRET: crypto.randomBytes(32).toString('hex'),
  JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
  RATE_LIMIT_ENABLED: 'false',
  WORKER_QUEUES: 'grading',
  METRICS_ENABLED: 'false',
};
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 30);
const THROUGHPUT_SUBMISSIONS = Number(process.env.BENCH_THROUGHPUT ?? 60);

const PROGRAMS: Record<'javascript' | 'python', string> = {
  javascript: 'const xs = stdin.split(/\\s+/).filter(Boolean).map(Number);\nconsole.log(xs.reduce((a, b) => a + b, 0));',
  python: 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n',
};

async function main() {
  // the machine may be shared: the load around the run says how much to trust the figures
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const stack = await startBenchStack(env);
  const { deps, url } = stack;
  const config = deps.config;

  const classroom = await Classroom.create({ name: 'Bench', academicYear: '2025/2026' });
  const students = await User.bulkCreate(
    Array.from({ length: 40 }, (_, i) => ({
      email: `bench${i}@gema.local`,
      name: `Bench ${i}`,
      role: 'student' as const,
      passwordHash: 'x',
      emailVerifiedAt: new Date(),
      classroomId: classroom.id,
    })),
  );
  const tokens = students.map((u) => deps.tokens.sign({ id: u.id, role: u.role, email: u.email, name: u.name }, crypto.randomUUID()).token);
  const task = await CodingTask.create({
    slug: 'bench-sum',
    title: 'Bench sum',
    languages: ['javascript', 'python'],
    classroomId: null,
    createdBy: null,
    published: true,
  });
  await CodingTestCase.bulkCreate(
    Array.from({ length: 5 }, (_, i) => ({
      taskId: task.id,
      position: i,
      name: `t${i}`,
      stdin: Array.from({ length: 10 * (i + 1) }, (_, k) => k).join(' '),
      expected: String(((10 * (i + 1) - 1) * 10 * (i + 1)) / 2),
    })),
  );

  // one socket per student; every completion is stamped as it arrives
  const completedAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const clients: Socket[] = await Promise.all(
    tokens.map(
      (token) =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
          s.on('grading:completed', (p: { submissionId: string; verdict: string }) => {
            if (p.verdict !== 'accepted') console.error('unexpected verdict', p);
            completedAt.set(p.submissionId, performance.now());
            waiters.get(p.submissionId)?.();
          });
          s.once('connect', () => resolve(s));
          s.once('connect_error', reject);
        }),
    ),
  );
  const done = (id: string) => new Promise<void>((resolve) => (completedAt.has(id) ? resolve() : waiters.set(id, resolve)));

  const submit = async (studentIndex: number, language: CodingLanguage): Promise<{ id: string; sentAt: number }> => {
    const sentAt = performance.now();
    const res = await fetch(`${url}/api/v2/coding-lab/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[studentIndex]}` },
      body: JSON.stringify({ taskId: task.id, language, source: PROGRAMS[language as 'javascript' | 'python'] }),
    });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { data: { id: string } };
    return { id: body.data.id, sentAt };
  };

  const latency: Record<string, { p50Ms: number; p95Ms: number; meanMs: number; runs: number }> = {};
  const throughput: Record<string, { submissions: number; seconds: number; perSecond: number }> = {};
  for (const language of ['javascript', 'python'] as const) {
    // warm-up: first isolate child, first bwrap spawn, connection pools
    for (let i = 0; i < 3; i++) {
      const w = await submit(0, language);
      await done(w.id);
    }
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const { id, sentAt } = await submit(i % students.length, language);
      await done(id);
      samples.push(completedAt.get(id)! - sentAt);
    }
    latency[language] = {
      p50Ms: percentile(samples, 50),
      p95Ms: percentile(samples, 95),
      meanMs: Math.round((samples.reduce((a, b) => a + b, 0) / samples.length) * 10) / 10,
      runs: samples.length,
    };

    // burst: at most 3 waiting per student, so the burst is spread over the students
    const start = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < THROUGHPUT_SUBMISSIONS; i++) ids.push((await submit(i % students.length, language)).id);
    await Promise.all(ids.map(done));
    const seconds = (performance.now() - start) / 1000;
    throughput[language] = {
      submissions: ids.length,
      seconds: Math.round(seconds * 100) / 100,
      perSecond: Math.round((ids.length / seconds) * 100) / 100,
    };
    console.log(language, latency[language], throughput[language]);
  }

  const result = {
    bench: 'grading',
    node: process.versions.node,
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    task: '5 tests (sum of 10..50 numbers), trim comparison, all accepted',
    workerProcess: { processes: 1, concurrency: config.worker.concurrency.grading },
    latencyPostToCompletedMs: latency,
    gradedPerSecondPerWorkerProcess: throughput,
    note: 'latency: one submission at a time, POST until the student socket receives grading:completed; throughput: a burst of submissions, first POST until the last grading:completed',
  };
  writeResults('grading', result);
  console.log(JSON.stringify(result, null, 2));

  clients.forEach((c) => c.close());
  await stack.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
