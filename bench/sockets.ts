import '../common/require-node';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../common/config';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels, Classroom, User } from '../common/models';
import { createRedis, closeRedis } from '../common/redis';
import { RealtimePublisher } from '../common/realtime/publisher';
import { rooms } from '../common/realtime/events';
import { AccessTokens } from '../api/auth/tokens';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { cpuMs, dropBenchData, median, rssMb, stopChild, waitForLine, writeResults } from './_lib';

/**
 * 10,000 live clients on one web process. The server (the production build, dist/api/server.js:
 * Express, Socket.IO with the Redis adapter) runs in a child process; the clients in another
 * (bench/_sockets-clients.ts), pinned to the other core where `taskset` can; an HTTP load
 * (autocannon, a third process) on `GET /api/v2/auth/session` of the same server while it delivers.
 * Events are published as a worker does (the Redis emitter, from this process) to the classroom
 * room every socket is in. Phases:
 *  - `app` with SOCKETS websocket clients (one student each): connect time, RSS idle / connected /
 *    peak, delivery p50/p95/max, HTTP p99 with and without broadcasts;
 *  - `bare` (the ceiling, bench/_sockets-bare-server.ts: Socket.IO on node:http, no auth, no Redis)
 *    with the same clients and broadcasts;
 *  - two `app` processes holding half of TWO_PROCESS_SOCKETS each: every event reaches every socket once;
 *  - browser-style clients (polling, then the upgrade to websocket) on one `app` process.
 * Writes bench/results/sockets.json. Takes about 3–5 minutes on a quiet 2-core machine.
 */
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 10_000);
const TWO_PROCESS_SOCKETS = Number(process.env.BENCH_TWO_PROCESS_SOCKETS ?? 2000);
const POLLING_SOCKETS = Number(process.env.BENCH_POLLING_SOCKETS ?? 2000);
const BROADCASTS = Number(process.env.BENCH_BROADCASTS ?? 16);
const GAP_MS = Number(process.env.BENCH_BROADCAST_GAP_MS ?? 500);
/** which phases to run (all by default): app, bare, two, polling */
const PHASES = (process.env.BENCH_PHASES ?? 'app,bare,two,polling').split(',');
/** the servers' V8 flags: production's (common/runtime/heap-flags.ts) unless BENCH_SERVER_NODE_FLAGS says otherwise ('' for Node's defaults) */
const SERVER_FLAGS =
  process.env.BENCH_SERVER_NODE_FLAGS !== undefined ? process.env.BENCH_SERVER_NODE_FLAGS.split(' ').filter(Boolean) : [...HEAP_FLAGS];
/** a directory: each phase's server writes a heap snapshot there once its clients are connected */
const SNAPSHOT_DIR = process.env.BENCH_HEAP_SNAPSHOT;
/** how long the connected server idles before `rssMb.connectedSettled` is read */
const SETTLE_MS = Number(process.env.BENCH_SOCKETS_SETTLE_MS ?? 8000);
const TARGETS = { rssMbAt10k: 250, deliveryP95Ms: 300, httpP99Ms: 100 };

const runId = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'production',
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/gema_bench_sockets_${runId}`,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  REDIS_PREFIX: `gema_bench_sockets_${runId}:`,
  JWT_SECRET: crypto.randomBytes(32).toString('hex'),
  JWT_REFRESH_SECRET: crypto.randomBytes(32).toString('hex'),
  APP_URL: 'http://127.0.0.1',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  // one machine stands for a school's browsers: no per-IP limit
  RATE_LIMIT_ENABLED: 'false',
  METRICS_ENABLED: 'false',
};
const config = loadConfig(env);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = path.join(__dirname, '..');
const cpus = os.cpus().length;

/** Pins a process (and its threads) to one core, best effort: `taskset` may be missing. */
function pin(pid: number, core: number) {
  if (cpus < 2) return;
  spawn('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' }).on('error', () => undefined);
}

/**
 * The API as production runs it: the bundle of `npm run build` (bench/run-all builds first), with the
 * heap flags. Under tsx the same server idled at ~160 MB instead of ~100 MB (the loader's compiled
 * sources and source maps), which is not what a pod holds. BENCH_SOCKETS_DIST=<dir> runs another
 * build (an A/B against an older dist/, as bench/startup.ts's STARTUP_DIST); BENCH_SOCKETS_APP=tsx
 * runs the sources (bench/_streams-server.ts) instead, for a look at a change without a build.
 */
const APP_FROM = process.env.BENCH_SOCKETS_APP === 'tsx' ? 'tsx' : 'dist';
const DIST_SERVER = path.join(path.resolve(root, process.env.BENCH_SOCKETS_DIST ?? 'dist'), 'api', 'server.js');

/** GC pauses and event-loop delay over a window, preloaded into every server (bench/_sockets-watch.mjs) */
const WATCH_PROBE = pathToFileURL(path.join(__dirname, '_sockets-watch.mjs')).href;

async function startServer(mode: 'app' | 'bare'): Promise<{ url: string; child: ChildProcess }> {
  if (mode === 'app' && APP_FROM === 'dist') return startDistServer();
  const script = mode === 'app' ? ['_streams-server.ts', 'app'] : ['_sockets-bare-server.ts'];
  // --expose-gc only lets the memory probe (bench/_sockets-mem.ts) collect before it counts
  const child = spawn(
    process.execPath,
    [...SERVER_FLAGS, '--expose-gc', '--import', WATCH_PROBE, '--import', 'tsx', path.join(__dirname, script[0]!), ...script.slice(1)],
    {
      env: { ...env, BENCH_WATCH_NAME: mode },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const port = await waitForLine(child, (line) => /^READY (\d+)$/.exec(line)?.[1], `${mode} server`).then(Number);
  return { url: `http://127.0.0.1:${port}`, child };
}

/** dist/api/server.js with the memory probe preloaded (bench/_sockets-mem-probe.mjs), ready when `/ready` answers. */
async function startDistServer(): Promise<{ url: string; child: ChildProcess }> {
  if (!fs.existsSync(DIST_SERVER)) throw new Error(`${DIST_SERVER} is missing: npm run build first (or BENCH_SOCKETS_APP=tsx)`);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    [
      ...SERVER_FLAGS,
      '--expose-gc',
      '--import',
      WATCH_PROBE,
      '--import',
      pathToFileURL(path.join(__dirname, '_sockets-mem-probe.mjs')).href,
      DIST_SERVER,
    ],
    { cwd: root, env: { ...env, PORT: String(port), HOST: '127.0.0.1', BENCH_WATCH_NAME: 'app' }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, child };
  }
  throw new Error('the API did not become ready');
}

interface Memory {
  sockets: number;
  rss: number;
  heapUsed: number;
  external: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

/** The server's memory after two forced full collections (its stdin `MEM`, bench/_sockets-mem.ts). */
function collectedMemory(server: ChildProcess): Promise<Memory> {
  const line = waitForLine(server, (l) => (l.startsWith('MEM ') ? l.slice(4) : undefined), 'server memory probe');
  server.stdin!.write('MEM\n');
  return line.then((json) => JSON.parse(json) as Memory);
}

/** The server writes a heap snapshot into SNAPSHOT_DIR (`SNAP <file>` on its stdin). */
async function heapSnapshot(server: ChildProcess, name: string): Promise<void> {
  const written = waitForLine(server, (l) => (l.startsWith('SNAP ') ? l.slice(5) : undefined), 'heap snapshot');
  server.stdin!.write(`SNAP ${path.join(SNAPSHOT_DIR!, `${name}.heapsnapshot`)}\n`);
  process.stderr.write(`heap snapshot: ${await written}\n`);
}

interface Watched {
  /** the window's CPU profile, with BENCH_WATCH_PROFILE=<dir> */
  profile?: string;
  gcTotalMs: number;
  gc: Record<string, { count: number; totalMs: number; maxMs: number }>;
  eventLoopDelayMs?: { p50: number; p99: number; max: number };
  /** the largest RSS, V8 heap (total, used, malloced) and external memory over the window, sampled every 50 ms */
  peak?: Record<'rssMb' | 'heapTotalMb' | 'heapUsedMb' | 'externalMb' | 'mallocedMb', number>;
}

/** The server's GC pauses and event-loop delay since `startWatch` (bench/_sockets-watch.mjs). */
function startWatch(server: ChildProcess): () => Promise<Watched> {
  server.stdin!.write('WATCH\n');
  return () => {
    const line = waitForLine(server, (l) => (l.startsWith('WATCHED ') ? l.slice(8) : undefined), 'server watch probe');
    server.stdin!.write('WATCHED\n');
    return line.then((json) => JSON.parse(json) as Watched);
  };
}

/** Live bytes a socket holds: the heap and external memory after a forced GC, connected minus idle. */
const bytesPerSocket = (idle: Memory, connected: Memory) => {
  const n = Math.max(1, connected.sockets - idle.sockets);
  return {
    heap: Math.round((connected.heapUsed - idle.heapUsed) / n),
    external: Math.round((connected.external - idle.external) / n),
    rss: Math.round((connected.rss - idle.rss) / n),
  };
};

interface Clients {
  child: ChildProcess;
  connected: { sockets: number; seconds: number; upgraded: number };
  report(): Promise<{
    all: Record<string, number>;
    duplicates: number;
    upgraded: number;
    broadcasts: Array<{ deliveries: number; duplicates: number; first: number; p95: number; max: number }>;
  }>;
  /** waits until `expected` deliveries arrived, or none arrived for `quietMs`; returns the count */
  settle(expected: number, quietMs?: number): Promise<number>;
}

async function startClients(urls: string[], count: number, tokensFile: string, transport: 'websocket' | 'polling'): Promise<Clients> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '_sockets-clients.ts'), urls.join(','), String(count), tokensFile, transport],
    {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  pin(child.pid!, cpus - 1);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (c: string) => {
    buf += c;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      for (const w of waiters.splice(0)) w();
    }
  });
  let exitCode: number | null | undefined;
  child.once('exit', (code) => {
    exitCode = code;
    for (const w of waiters.splice(0)) w();
  });
  const lineStarting = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const at = lines.findIndex((x) => x.startsWith(prefix));
        if (at >= 0) resolve(lines.splice(at, 1)[0]!.slice(prefix.length));
        else if (exitCode !== undefined) reject(new Error(`socket clients exited with ${exitCode}`));
        else waiters.push(check);
      };
      check();
    });
  const [sockets, seconds, upgraded] = (await lineStarting('CONNECTED ')).split(' ').map(Number) as [number, number, number];
  return {
    child,
    connected: { sockets, seconds, upgraded },
    async report() {
      child.stdin!.write('REPORT\n');
      return JSON.parse(await lineStarting('REPORT ')) as Awaited<ReturnType<Clients['report']>>;
    },
    async settle(expected, quietMs = 5000) {
      let last = -1;
      let lastChange = Date.now();
      for (;;) {
        child.stdin!.write('COUNT\n');
        const n = Number(await lineStarting('COUNT '));
        if (n >= expected) return n;
        if (n !== last) {
          last = n;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > quietMs) {
          return n;
        }
        await sleep(250);
      }
    },
  };
}

/** autocannon in its own process against the session route: p50/p99 and throughput over `seconds`. */
function httpLoad(
  url: string,
  token: string,
  seconds: number,
): Promise<{ p50: number; p99: number; requests: number; errors: number; non2xx: number }> {
  const child = spawn(
    path.join(root, 'node_modules', '.bin', 'autocannon'),
    ['-c', '10', '-R', '200', '-d', String(seconds), '-j', '-H', `Authorization=Bearer ${token}`, `${url}/api/v2/auth/session`],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  pin(child.pid!, cpus - 1);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', () => {
      try {
        const r = JSON.parse(out) as { latency: { p50: number; p99: number }; requests: { total: number }; errors: number; non2xx: number };
        resolve({ p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors, non2xx: r.non2xx });
      } catch (err) {
        reject(err as Error);
      }
    }),
  );
}

async function main() {
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  await createMigrator(sequelize).up();
  initModels(sequelize);
  const redis = createRedis(config, 'command');
  const publisher = new RealtimePublisher(config, redis);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-sockets-'));
  const loadAtStart = os.loadavg();
  try {
    const classroom = await Classroom.create({ name: 'Bench school', academicYear: '2025/2026' });
    const tokens = new AccessTokens(config);
    const students: User[] = [];
    for (let i = 0; i < SOCKETS; i += 2000) {
      students.push(
        ...(await User.bulkCreate(
          Array.from({ length: Math.min(2000, SOCKETS - i) }, (_, k) => ({
            email: `s${i + k}.${runId}@bench.gema`,
            passwordHash: '!',
            name: `Student ${i + k}`,
            role: 'student' as const,
            classroomId: classroom.id,
            emailVerifiedAt: new Date(),
          })),
        )),
      );
    }
    const tokensFile = path.join(tmp, 'tokens.json');
    const signed = students.map(
      (u) => tokens.sign({ id: u.id, role: u.role, email: u.email, name: u.name, classroomId: u.classroomId }, crypto.randomUUID()).token,
    );
    fs.writeFileSync(tokensFile, JSON.stringify(signed));

    let broadcastNo = 0;
    /** BROADCASTS events, GAP_MS apart, to the classroom room: through Redis (app) or a POST (bare) */
    const broadcast = async (bareUrl?: string) => {
      for (let i = 0; i < BROADCASTS; i++) {
        const submissionId = `b${++broadcastNo}:${Date.now()}`;
        if (bareUrl) await fetch(`${bareUrl}/broadcast`, { method: 'POST', body: submissionId });
        else publisher.publish(rooms.classroom(classroom.id), 'grading:completed', { submissionId, verdict: 'accepted', score: 100, maxScore: 100 });
        await sleep(GAP_MS);
      }
    };

    /** One server, `count` clients, broadcasts while autocannon measures the same server's HTTP. */
    const onePhase = async (mode: 'app' | 'bare', count: number, transport: 'websocket' | 'polling') => {
      const server = await startServer(mode);
      pin(server.child.pid!, 0);
      try {
        await sleep(1000);
        const idle = rssMb(server.child.pid!);
        const idleCollected = await collectedMemory(server.child);
        if (SNAPSHOT_DIR) await heapSnapshot(server.child, `${mode}-${transport}-idle`);
        const clients = await startClients([server.url], count, tokensFile, transport);
        await sleep(2000);
        const connected = rssMb(server.child.pid!);
        const connectedCollected = await collectedMemory(server.child);
        // then idle for a while, as a web process holding its sockets between events is: the
        // production API gives its young generation back then (common/runtime/idle-heap-trim.ts,
        // checked every 2.5 s); the bare server has no such trim
        await sleep(SETTLE_MS);
        const connectedSettled = rssMb(server.child.pid!);
        if (SNAPSHOT_DIR) await heapSnapshot(server.child, `${mode}-${transport}-${count}`);
        const broadcastSeconds = Math.ceil((BROADCASTS * GAP_MS) / 1000) + 1;
        // the bare server answers the same route with a fixed body, so both phases carry the same
        // autocannon beside the clients on their core, and the bare's HTTP p99 is a ceiling too
        const httpIdle = await httpLoad(server.url, signed[0]!, 3);
        let peak = connected;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            peak = Math.max(peak, rssMb(server.child.pid!));
            await sleep(100);
          }
        })();
        const cpuBefore = cpuMs(server.child.pid!);
        const clientCpuBefore = cpuMs(clients.child.pid!);
        const watched = startWatch(server.child);
        const [httpDuring] = await Promise.all([
          httpLoad(server.url, signed[0]!, broadcastSeconds),
          broadcast(mode === 'bare' ? server.url : undefined),
        ]);
        await clients.settle(BROADCASTS * count);
        // CPU, unlike the delays, does not depend on what else the machine runs
        const cpuPerBroadcast = (cpuMs(server.child.pid!) - cpuBefore) / BROADCASTS;
        const clientCpuPerBroadcast = (cpuMs(clients.child.pid!) - clientCpuBefore) / BROADCASTS;
        const serverWhileBroadcasting = await watched();
        sampling = false;
        await sampler;
        const report = await clients.report();
        return {
          server: mode,
          transport,
          processes: 1,
          sockets: clients.connected.sockets,
          connectSeconds: clients.connected.seconds,
          ...(transport === 'polling' ? { upgradedToWebsocket: clients.connected.upgraded } : {}),
          rssMb: { idle, connected, connectedSettled, peak },
          kbPerSocket: Math.round(((connected - idle) * 1024) / count),
          // after forced full collections: what each socket keeps alive, apart from V8's sizing
          afterGc: { idle: idleCollected, connected: connectedCollected, bytesPerSocket: bytesPerSocket(idleCollected, connectedCollected) },
          delivery: {
            broadcasts: BROADCASTS,
            deliveries: report.all.deliveries,
            expected: BROADCASTS * count,
            duplicates: report.duplicates,
            latencyMs: { p50: report.all.p50, p95: report.all.p95, p99: report.all.p99, max: report.all.max },
            // the server's CPU over the broadcasts' window over their number (the app's includes its HTTP load)
            serverCpuMsPerBroadcast: Math.round(cpuPerBroadcast),
            // the clients' process (one core for every socket, autocannon beside it) over the same window
            clientCpuMsPerBroadcast: Math.round(clientCpuPerBroadcast),
            // per broadcast, the first socket's delay and the spread to the last (medians over the
            // broadcasts): the first says how long the event took to reach the writes, the spread how
            // long writing and reading 10,000 copies took
            firstMs: median(report.broadcasts.map((b) => b.first)),
            spreadMs: median(report.broadcasts.map((b) => b.max - b.first)),
          },
          // GC pauses and event-loop delay of the server over the broadcasts (bench/_sockets-watch.mjs)
          serverWhileBroadcasting,
          httpSessionWhileHolding: httpIdle,
          httpSessionWhileBroadcasting: httpDuring,
        };
      } finally {
        await stopChild(server.child);
      }
    };

    /** Two app processes, half the sockets each, events published once through Redis. */
    const twoProcesses = async (count: number) => {
      const servers = [await startServer('app'), await startServer('app')];
      servers.forEach((s, i) => pin(s.child.pid!, i % cpus));
      try {
        const clients = await startClients(
          servers.map((s) => s.url),
          count,
          tokensFile,
          'websocket',
        );
        await sleep(1000);
        const rss = servers.map((s) => rssMb(s.child.pid!));
        await broadcast();
        await clients.settle(BROADCASTS * count);
        const report = await clients.report();
        return {
          server: 'app',
          transport: 'websocket',
          processes: 2,
          sockets: clients.connected.sockets,
          rssMbPerProcess: rss,
          delivery: {
            broadcasts: BROADCASTS,
            deliveries: report.all.deliveries,
            expected: BROADCASTS * count,
            duplicates: report.duplicates,
            everyEventToEverySocketOnce: report.duplicates === 0 && report.broadcasts.every((b) => b.deliveries === count),
            latencyMs: { p50: report.all.p50, p95: report.all.p95, p99: report.all.p99, max: report.all.max },
          },
        };
      } finally {
        await Promise.all(servers.map((s) => stopChild(s.child)));
      }
    };

    const phases: unknown[] = [];
    const log = (r: unknown) => {
      phases.push(r);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    };
    if (PHASES.includes('app')) log(await onePhase('app', SOCKETS, 'websocket'));
    if (PHASES.includes('bare')) log(await onePhase('bare', SOCKETS, 'websocket'));
    if (PHASES.includes('two')) log(await twoProcesses(TWO_PROCESS_SOCKETS));
    if (PHASES.includes('polling')) log(await onePhase('app', POLLING_SOCKETS, 'polling'));

    writeResults('sockets', {
      bench: 'sockets',
      date: new Date().toISOString(),
      node: process.versions.node,
      machine: {
        cpus,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        loadAverageAtStart: loadAtStart.map((l) => Math.round(l * 10) / 10),
        loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 10) / 10),
      },
      targets: TARGETS,
      serverNodeFlags: SERVER_FLAGS,
      app: APP_FROM === 'dist' ? `${path.relative(root, DIST_SERVER)} (npm run build), the production bundle` : 'bench/_streams-server.ts under tsx',
      scenario: {
        what: `every socket belongs to one classroom; ${BROADCASTS} grading:completed events ${GAP_MS} ms apart are published to the classroom room through the Redis emitter (as a worker publishes); latency is from the publish to each client's arrival (one clock)`,
        clients: 'a separate process (bench/_sockets-clients.ts) pinned to the last core; one authenticated student per socket',
        http: "autocannon (its own process on the clients' core, 10 connections, 200 req/s) on GET /api/v2/auth/session of the same server, in both phases (the bare server answers it with a fixed body)",
        ceiling:
          'bench/_sockets-bare-server.ts: Socket.IO on bare node:http, no auth, no Redis adapter, the same room emit in one synchronous loop; its events come by an HTTP POST from the bench process instead of a Redis publish (one message per event either way, not per socket)',
        sse: 'SSE streams: bench/streams.ts (BENCH_HOLD=10000 for 10,000 streams)',
      },
      phases,
    });
  } finally {
    await closeRedis(redis);
    await sequelize.close();
    await dropBenchData(config);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
