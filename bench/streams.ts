import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../common/config';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels, Classroom, ClassroomTeacher, User } from '../common/models';
import { AccessTokens } from '../api/auth/tokens';
import { dropBenchData, percentile, stopChild, waitForLine, writeResults } from './_lib';

/**
 * How many SSE streams and Socket.IO clients one API process holds, with its RSS, and the latency of a
 * classroom broadcast (a chat message to a 1,000-student classroom channel) from the POST to each
 * client, beside a bare node:http SSE server doing the same delivery in the same run.
 * The server runs in a child process (a fresh one per phase, so each RSS starts from the same idle
 * process); the clients run in another child process; the POSTs come from here.
 * Writes bench/results/streams.json.
 */
const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 1000);
const BROADCASTS = Number(process.env.BENCH_BROADCASTS ?? 30);
const GAP_MS = Number(process.env.BENCH_BROADCAST_GAP_MS ?? 300);
const HOLD = (process.env.BENCH_HOLD ?? '1000,3000,5000').split(',').map(Number);

const runId = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'production',
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/gema_bench_streams_${runId}`,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  REDIS_PREFIX: `gema_bench_streams_${runId}:`,
  JWT_SECRET: crypto.randomBytes(32).toString('hex'),
  JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  // one machine stands for many browsers: no per-IP limit, and several streams per student
  RATE_LIMIT_ENABLED: 'false',
  STREAM_MAX_PER_USER: '100',
  METRICS_ENABLED: 'false',
};
const config = loadConfig(env);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

async function startServer(mode: 'app' | 'bare'): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '_streams-server.ts'), mode], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await waitForLine(child, (line) => /^READY (\d+)$/.exec(line)?.[1], `${mode} server`).then(Number);
  return { url: `http://127.0.0.1:${port}`, child };
}

interface Clients {
  child: ChildProcess;
  report(): Promise<Record<string, number[]>>;
}

async function startClients(kind: 'sse' | 'socket', url: string, streamPath: string, count: number, tokensFile: string): Promise<Clients> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '_streams-clients.ts'), kind, url, streamPath, String(count), tokensFile],
    {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  child.stdout!.setEncoding('utf8');
  let buf = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (c: string) => {
    buf += c;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      for (const w of waiters.splice(0)) w();
    }
  });
  const lineMatching = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const l = lines.find((x) => re.test(x));
        if (l) resolve(l);
        else waiters.push(check);
      };
      child.once('exit', (code) => reject(new Error(`clients exited with ${code}`)));
      check();
    });
  await lineMatching(/^CONNECTED /);
  return {
    child,
    async report() {
      child.stdin!.write('REPORT\n');
      const line = await lineMatching(/^LATENCIES /);
      return JSON.parse(line.slice('LATENCIES '.length)) as Record<string, number[]>;
    },
  };
}

function summarize(delays: Record<string, number[]>, expectedPerMessage: number, sent: number) {
  const all = Object.values(delays).flat();
  return {
    messages: sent,
    deliveries: all.length,
    expectedDeliveries: expectedPerMessage * sent,
    latencyMs: { p50: percentile(all, 50), p95: percentile(all, 95), p99: percentile(all, 99), max: all.length ? Math.max(...all) : 0 },
  };
}

async function main() {
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  await createMigrator(sequelize).up();
  initModels(sequelize);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-streams-'));
  try {
    const classroom = await Classroom.create({ name: 'Bench XII RPL', academicYear: '2025/2026' });
    const teacher = await User.create({
      email: `teacher.${runId}@bench.gema`,
      passwordHash: '!',
      name: 'Bench Teacher',
      role: 'teacher',
      emailVerifiedAt: new Date(),
    });
    await ClassroomTeacher.create({ classroomId: classroom.id, teacherId: teacher.id });
    const students = await User.bulkCreate(
      Array.from({ length: STUDENTS }, (_, i) => ({
        email: `s${i}.${runId}@bench.gema`,
        passwordHash: '!',
        name: `Student ${i}`,
        role: 'student' as const,
        classroomId: classroom.id,
        emailVerifiedAt: new Date(),
      })),
    );
    const tokens = new AccessTokens(config);
    const tokenOf = (u: User) => tokens.sign({ id: u.id, role: u.role, email: u.email, name: u.name }, crypto.randomUUID()).token;
    const tokensFile = path.join(tmp, 'tokens.json');
    fs.writeFileSync(tokensFile, JSON.stringify(students.map(tokenOf)));
    const teacherToken = tokenOf(teacher);

    const post = async (url: string, pathName: string, body: unknown, token?: string) => {
      const res = await fetch(`${url}${pathName}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${pathName} answered ${res.status}: ${await res.text()}`);
      return res.status === 201 || res.status === 200 ? ((await res.json().catch(() => ({}))) as { data?: { id: string } }) : {};
    };

    /** One phase: a fresh server, `count` clients of a kind, optionally broadcasts, the server's RSS. */
    const phase = async (mode: 'app' | 'bare', kind: 'sse' | 'socket', count: number, broadcasts: number) => {
      const server = await startServer(mode);
      try {
        await sleep(500);
        const idleRssMb = rssMb(server.child.pid!);
        let channel = '';
        if (mode === 'app')
          channel = (await post(server.url, '/api/v2/chat/conversations', { kind: 'classroom', classroomId: classroom.id }, teacherToken)).data!.id;
        const started = Date.now();
        const clients = await startClients(kind, server.url, mode === 'app' ? '/api/v2/chat/sse' : '/stream', count, tokensFile);
        const connectSeconds = (Date.now() - started) / 1000;
        await sleep(1000);
        const heldRssMb = rssMb(server.child.pid!);
        const postMs: number[] = [];
        for (let i = 0; i < broadcasts; i++) {
          const sent = Date.now();
          const body = `Broadcast ${i} t=${sent}`;
          if (mode === 'app') await post(server.url, '/api/v2/chat/messages', { conversationId: channel, body }, teacherToken);
          else await post(server.url, '/broadcast', body);
          postMs.push(Date.now() - sent);
          await sleep(GAP_MS);
        }
        await sleep(1000);
        const afterRssMb = rssMb(server.child.pid!);
        const delays = await clients.report();
        return {
          server: mode,
          transport: kind,
          clients: count,
          connectSeconds: Math.round(connectSeconds * 10) / 10,
          rssMb: { idle: idleRssMb, holding: heldRssMb, afterBroadcasts: afterRssMb },
          kbPerClient: Math.round(((heldRssMb - idleRssMb) * 1024) / count),
          ...(broadcasts
            ? { broadcast: { ...summarize(delays, count, broadcasts), postMs: { p50: percentile(postMs, 50), p95: percentile(postMs, 95) } } }
            : {}),
        };
      } finally {
        await stopChild(server.child);
      }
    };

    const results: unknown[] = [];
    const log = (r: unknown) => {
      results.push(r);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    };
    // classroom broadcast latency: one client per student
    log(await phase('app', 'sse', STUDENTS, BROADCASTS));
    log(await phase('app', 'socket', STUDENTS, BROADCASTS));
    log(await phase('bare', 'sse', STUDENTS, BROADCASTS));
    // how many one process holds: more clients (several per student), a few broadcasts to show they still flow
    for (const n of HOLD.filter((h) => h > STUDENTS)) {
      log(await phase('app', 'sse', n, 5));
      log(await phase('app', 'socket', n, 5));
      log(await phase('bare', 'sse', n, 5));
    }
    writeResults('streams', {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30) },
      load: {
        students: STUDENTS,
        broadcasts: BROADCASTS,
        gapMs: GAP_MS,
        what: 'a teacher POSTs a chat message to the classroom channel; latency is from just before the POST to each client receiving it (client clocks = server clock, same machine)',
        clients: 'a separate process (bench/_streams-clients.ts); SSE over node:http, Socket.IO over websocket',
        ceiling: 'bare node:http SSE server writing each POST /broadcast to every open response, no auth, no Redis, no database',
      },
      phases: results,
    });
  } finally {
    await sequelize.close();
    await dropBenchData(config);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
