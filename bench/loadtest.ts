import '../common/require-node';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../common/config';
import { createSequelize, dropDatabase, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels, Assignment, Classroom, ClassroomTeacher, CodingTask, CodingTestCase, User } from '../common/models';
import { AccessTokens } from '../api/auth/tokens';
import { clearRedisPrefix, percentile, stopChild, waitForLine, writeResults } from './_lib';

/**
 * `npm run loadtest`: the plan's k6 scenario with autocannon — ramp to 100 virtual users over 1 min,
 * hold 3 min, ramp down over 30 s — on a school's mix: students read their dashboard and
 * assignments, submit code (graded by a real worker) and replace a file on their assignment;
 * teachers list and grade submissions; every user keeps a Socket.IO connection open. Each user
 * sends about one request a second (a think time of ~1 s, as k6 scripts sleep). Thresholds:
 * p95 < 500 ms and errors (transport errors, timeouts and non-2xx answers) < 1 %; the process
 * exits 1 when one fails. The API and the worker run as child processes on a database of their own;
 * the load generators (autocannon, the socket clients) in this process and another one.
 * Writes bench/results/loadtest.json.
 *
 *   npm run loadtest                          (≈ 5 min: 60 s ramp, 180 s hold, 30 s down)
 *   npm run loadtest -- --ramp 10 --hold 20 --down 5   (a short try)
 */
const { values: flags } = parseArgs({
  options: {
    ramp: { type: 'string', default: '60' },
    hold: { type: 'string', default: '180' },
    down: { type: 'string', default: '30' },
    users: { type: 'string', default: '100' },
  },
});
const RAMP = Number(flags.ramp);
const HOLD = Number(flags.hold);
const DOWN = Number(flags.down);
const USERS = Number(flags.users);
const THRESHOLDS = { p95Ms: 500, errorRate: 0.01 };
// virtual users start and stop in groups of this size, so the ramp has 20 steps for 100 users
const GROUP = 5;
const TEACHER_SHARE = 0.1;

const ROOT = path.resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** A multipart body with `fields` and one small text file in `files`, as a browser's form sends it. */
function multipartFile(text: string, fields: Record<string, string> = {}): { body: Buffer; contentType: string } {
  const boundary = `----gema${crypto.randomBytes(8).toString('hex')}`;
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n${text}\r\n`);
  return { body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** What every request of a kind answered, counted by `onResponse` (autocannon gives no per-request latency there). */
const statusesByRequest = new Map<string, Record<string, number>>();
function count(name: string) {
  return (status: number) => {
    const entry = statusesByRequest.get(name) ?? {};
    entry[status] = (entry[status] ?? 0) + 1;
    statusesByRequest.set(name, entry);
  };
}

interface World {
  base: string;
  students: Array<{ token: string; submissionId: string }>;
  teacherTokens: string[];
  /** submissions of students who are not virtual users, for teachers to grade over and over */
  gradable: string[];
  taskId: string;
  assignmentId: string;
}

type Req = autocannon.Request & { onResponse?: (status: number) => void };

function studentRequests(w: World, next: () => number): Req[] {
  // autocannon keeps one context per connection: the user it stands for is picked at its first request
  const who = (context: object) => {
    const c = context as { i?: number };
    c.i ??= next();
    return w.students[c.i % w.students.length]!;
  };
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const file = multipartFile('my notes, again');
  return [
    {
      method: 'GET',
      path: '/api/v2/student/dashboard',
      setupRequest: (req, context) => ({ ...req, headers: auth(who(context).token) }),
      onResponse: count('GET /student/dashboard'),
    },
    {
      method: 'GET',
      path: '/api/v2/tutorial/assignments',
      setupRequest: (req, context) => ({ ...req, headers: auth(who(context).token) }),
      onResponse: count('GET /tutorial/assignments'),
    },
    {
      method: 'POST',
      path: '/api/v2/coding-lab/submissions',
      setupRequest: (req, context) => ({
        ...req,
        headers: { ...auth(who(context).token), 'content-type': 'application/json' },
        body: JSON.stringify({
          taskId: w.taskId,
          language: 'javascript',
          source: 'const xs = stdin.split(/\\s+/).filter(Boolean).map(Number);\nconsole.log(xs.reduce((a, b) => a + b, 0));',
        }),
      }),
      onResponse: count('POST /coding-lab/submissions'),
    },
    {
      method: 'GET',
      path: '/api/v2/coding-lab/submissions',
      setupRequest: (req, context) => ({ ...req, headers: auth(who(context).token) }),
      onResponse: count('GET /coding-lab/submissions'),
    },
    {
      method: 'PATCH',
      setupRequest: (req, context) => ({
        ...req,
        path: `/api/v2/tutorial/submissions/${who(context).submissionId}`,
        headers: { ...auth(who(context).token), 'content-type': file.contentType },
        body: file.body,
      }),
      onResponse: count('PATCH /tutorial/submissions/:id (file)'),
    },
  ];
}

function teacherRequests(w: World, next: () => number): Req[] {
  const token = (context: object) => {
    const c = context as { i?: number };
    c.i ??= next();
    return w.teacherTokens[c.i % w.teacherTokens.length]!;
  };
  let graded = 0;
  return [
    {
      method: 'GET',
      path: `/api/v2/tutorial/submissions?assignmentId=${w.assignmentId}&pageSize=20`,
      setupRequest: (req, context) => ({ ...req, headers: { authorization: `Bearer ${token(context)}` } }),
      onResponse: count('GET /tutorial/submissions (teacher)'),
    },
    {
      method: 'PATCH',
      setupRequest: (req, context) => ({
        ...req,
        path: `/api/v2/admin/submissions/${w.gradable[graded++ % w.gradable.length]}/grade`,
        headers: { authorization: `Bearer ${token(context)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ grade: 80 + (graded % 20), feedback: 'Good work' }),
      }),
      onResponse: count('PATCH /admin/submissions/:id/grade'),
    },
    {
      method: 'GET',
      path: '/api/v2/coding-lab/submissions?pageSize=20',
      setupRequest: (req, context) => ({ ...req, headers: { authorization: `Bearer ${token(context)}` } }),
      onResponse: count('GET /coding-lab/submissions (teacher)'),
    },
  ];
}

async function buildWorld(env: Record<string, string>, base: string): Promise<World> {
  const config = loadConfig({ ...process.env, ...env });
  const tokens = new AccessTokens(config);
  const sign = (u: User) =>
    tokens.sign({ id: u.id, role: u.role, email: u.email, name: u.name, classroomId: u.classroomId }, crypto.randomUUID()).token;
  const classroom = await Classroom.create({ name: 'XII RPL Load', academicYear: '2025/2026' });
  const teachers = await User.bulkCreate(
    Array.from({ length: 3 }, (_, i) => ({
      email: `teacher${i}@load.gema`,
      passwordHash: '!',
      name: `Teacher ${i}`,
      role: 'teacher' as const,
      emailVerifiedAt: new Date(),
    })),
  );
  await ClassroomTeacher.bulkCreate(teachers.map((t) => ({ classroomId: classroom.id, teacherId: t.id })));
  const students = await User.bulkCreate(
    Array.from({ length: USERS + 40 }, (_, i) => ({
      email: `student${i}@load.gema`,
      passwordHash: '!',
      name: `Student ${i}`,
      role: 'student' as const,
      classroomId: classroom.id,
      emailVerifiedAt: new Date(),
    })),
  );
  const assignment = await Assignment.create({
    title: 'Laporan praktikum',
    classroomId: classroom.id,
    kind: 'file',
    dueAt: new Date(Date.now() + 30 * 86_400_000),
    maxPoints: 100,
    maxAttempts: 20,
    status: 'published',
    createdBy: teachers[0]!.id,
  });
  const task = await CodingTask.create({
    slug: 'load-sum',
    title: 'Sum',
    languages: ['javascript'],
    classroomId: null,
    createdBy: null,
    published: true,
  });
  await CodingTestCase.bulkCreate(
    Array.from({ length: 3 }, (_, i) => ({ taskId: task.id, position: i, name: `t${i}`, stdin: `${i} ${i + 1}`, expected: String(2 * i + 1) })),
  );
  // every student hands in a first attempt through the API, as the mix later replaces its file
  const file = multipartFile('first version', { assignmentId: assignment.id });
  const submissions: string[] = [];
  for (const s of students) {
    const res = await fetch(`${base}/api/v2/tutorial/submissions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sign(s)}`, 'content-type': file.contentType },
      body: file.body,
    });
    if (res.status !== 201) throw new Error(`setting up a submission answered ${res.status}: ${await res.text()}`);
    submissions.push(((await res.json()) as { data: { id: string } }).data.id);
  }
  return {
    base,
    students: students.slice(0, USERS).map((u, i) => ({ token: sign(u), submissionId: submissions[i]! })),
    teacherTokens: teachers.map(sign),
    gradable: submissions.slice(USERS),
    taskId: task.id,
    assignmentId: assignment.id,
  };
}

/** One group of virtual users: `connections` of them, one request a second each, for `seconds`. */
function runGroup(w: World, requests: Req[], connections: number, seconds: number, latencies: number[]) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: w.base, connections, connectionRate: 1, duration: seconds, requests, timeout: 10 }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    instance.on('response', (_c: unknown, _s: number, _b: number, ms: number) => latencies.push(ms));
  });
}

async function main() {
  const runId = crypto.randomBytes(3).toString('hex');
  const loadBefore = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    APP_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/gema_loadtest_${runId}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    REDIS_PREFIX: `gema_loadtest_${runId}:`,
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
    // one address stands for a school of browsers: the per-IP limit would count them as one
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    UPLOAD_DIR: path.join(os.tmpdir(), `gema-loadtest-${runId}`),
  };
  const config = loadConfig({ ...process.env, ...env });
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  const children: ChildProcess[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-loadtest-'));
  try {
    await createMigrator(sequelize).up();
    initModels(sequelize);
    const start = (file: string, extra: Record<string, string> = {}) => {
      const child = spawn(process.execPath, ['--import', 'tsx', file], {
        cwd: ROOT,
        env: { ...process.env, ...env, ...extra },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      return child;
    };
    const api = start('api/server.ts', { LOG_LEVEL: 'info' });
    await waitForLine(api, (l) => (l.includes('api listening') ? true : undefined), 'api');
    const worker = start('worker/main.ts', { LOG_LEVEL: 'info' });
    await waitForLine(worker, (l) => (l.includes('worker started') ? true : undefined), 'worker');
    const base = `http://127.0.0.1:${port}`;
    const world = await buildWorld(env, base);

    // every virtual user's socket, held by another process for the whole run
    const tokensFile = path.join(tmp, 'tokens.json');
    fs.writeFileSync(tokensFile, JSON.stringify(world.students.map((s) => s.token)));
    const sockets = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '_sockets-clients.ts'), base, String(USERS), tokensFile, 'websocket'],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    children.push(sockets);
    await waitForLine(sockets, (l) => (l.startsWith('CONNECTED ') ? l : undefined), 'socket clients');

    // the ramp: groups of GROUP users start RAMP/groups apart, hold, and stop DOWN/groups apart
    const groups = Math.ceil(USERS / GROUP);
    const teacherGroups = Math.max(1, Math.round(groups * TEACHER_SHARE));
    let studentNo = 0;
    let teacherNo = 0;
    const latencies: number[] = [];
    const started = Date.now();
    process.stdout.write(`loadtest: ${USERS} users, ramp ${RAMP} s, hold ${HOLD} s, down ${DOWN} s\n`);
    const results = await Promise.all(
      Array.from({ length: groups }, async (_, g) => {
        const startAt = (g * RAMP) / groups;
        const stopAt = RAMP + HOLD + ((groups - g) * DOWN) / groups;
        await sleep(startAt * 1000);
        const teacher = g % Math.ceil(groups / teacherGroups) === 0;
        const requests = teacher ? teacherRequests(world, () => teacherNo++) : studentRequests(world, () => studentNo++);
        return runGroup(world, requests, Math.min(GROUP, USERS - g * GROUP), Math.max(1, Math.round(stopAt - startAt)), latencies);
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    sockets.stdin!.write('REPORT\n');
    // work the last requests set off (grading, file processing) settles before the processes stop
    await sleep(2000);

    // autocannon counts answered requests in requests.total (non-2xx among them) and transport
    // errors, timeouts included, apart: every attempt is one or the other
    const total = results.reduce((s, r) => s + r.requests.total + r.errors, 0);
    const failed = results.reduce((s, r) => s + r.errors + r.non2xx, 0);
    const p95 = percentile(latencies, 95);
    const errorRate = total ? failed / total : 1;
    // a server that died under the load explains a flood of connection errors: say so
    const exited = { api: api.exitCode ?? api.signalCode, worker: worker.exitCode ?? worker.signalCode };
    const report = {
      bench: 'loadtest',
      date: new Date().toISOString(),
      node: process.versions.node,
      machine: { cpus: os.cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100) },
      scenario: {
        users: USERS,
        rampSeconds: RAMP,
        holdSeconds: HOLD,
        downSeconds: DOWN,
        teacherShare: teacherGroups / groups,
        requestsPerUserPerSecond: 1,
        sockets: USERS,
        mix: {
          student: studentRequests(world, () => 0).map((r) => `${r.method} ${r.path ?? '(per user)'}`),
          teacher: teacherRequests(world, () => 0).map((r) => `${r.method} ${r.path ?? '(per submission)'}`),
        },
      },
      seconds: Math.round(seconds),
      requests: total,
      requestsPerSecond: Math.round(total / seconds),
      latencyMs: { p50: percentile(latencies, 50), p95, p99: percentile(latencies, 99), max: Math.max(0, ...latencies) },
      failed,
      errorRate: Math.round(errorRate * 10_000) / 10_000,
      // null: still running at the end, as it should be
      processesExitedDuringTheRun: exited,
      statusesByRequest: Object.fromEntries(statusesByRequest),
      thresholds: {
        p95Ms: { limit: THRESHOLDS.p95Ms, passed: p95 < THRESHOLDS.p95Ms },
        errorRate: { limit: THRESHOLDS.errorRate, passed: errorRate < THRESHOLDS.errorRate },
      },
    };
    writeResults('loadtest', report);
    process.stdout.write(`${JSON.stringify({ ...report, scenario: undefined }, null, 2)}\n`);
    if (!report.thresholds.p95Ms.passed || !report.thresholds.errorRate.passed) {
      process.stdout.write('loadtest: a threshold failed\n');
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(children.map(stopChild));
    await sequelize.close();
    await dropDatabase(config.db.url);
    await clearRedisPrefix(env.REDIS_URL!, env.REDIS_PREFIX!);
    fs.rmSync(env.UPLOAD_DIR!, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`loadtest failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
