import '../common/require-node';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import autocannon from 'autocannon';
import bcrypt from 'bcrypt';
import { loadConfig } from '../common/config';
import { benchEnv, dropBenchData, stopChild, writeResults } from './_lib';
import { sessionStudent } from './_session-student';
import { startSessionServer } from './_session-server';
import { load, rssMb, warm, wrkAvailable } from './_wrk';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { allocationProbe, type AllocationFigures } from './_alloc';

/**
 * GET /auth/session through the real app (full middleware stack: request context, metrics, helmet,
 * CORS, JSON parser, the token check, the global Redis rate limiter whose script also reads the
 * token's deny-list keys) beside a bare node:http server doing the same work (the same token check
 * and cache, the limiter's one EVALSHA with the deny keys, the same answer and header lines:
 * bench/README.md "The auth-session ceiling"), in the same run. Each server runs in its own
 * child process with the production heap flags; wrk drives them pinned to the last CPU while the
 * servers are pinned to the others (bench/_wrk.ts), so the generator never takes the server's core. Then POST /auth/login throughput on the real app, and raw bcrypt hashes per second.
 * Writes bench/results/auth-session.json and bench/results/auth-login.json.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const DURATION = Number(process.env.BENCH_DURATION ?? 20);
/**
 * Alternated rounds per server. On this 2-core machine a 5 s window of the same server moved by up to
 * 40 % between rounds (other processes, the host), so the ratio is the median of the rounds' own
 * ratios (app round n ÷ bare round n, taken back to back), which one slow window cannot carry.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 2;
const ALLOC_SECONDS = Number(process.env.BENCH_ALLOC_SECONDS ?? 5);
const LOGIN_CONNECTIONS = Number(process.env.BENCH_LOGIN_CONNECTIONS ?? 16);
const BCRYPT_COST = Number(process.env.BCRYPT_COST ?? 10);
const PASSWORD = 'bench-password-1';

const env = benchEnv('auth', {
  BCRYPT_COST: String(BCRYPT_COST),
  // the route's own limiters, like the global one, stay in the stack but never throttle
  AUTH_RATE_LIMIT_MAX: '1000000000',
  AUTH_EMAIL_RATE_LIMIT_MAX: '1000000000',
});

const probes = { app: allocationProbe('auth-session-app'), bare: allocationProbe('auth-session-bare') };

async function startServer(mode: 'app' | 'bare'): Promise<{ url: string; child: ChildProcess }> {
  // both with the production heap flags, pinned apart from wrk; the probe measures allocation
  const { child, origin } = await startSessionServer({ mode, env, probe: probes[mode] });
  return { url: origin, child };
}

interface Figures {
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function drive(opts: autocannon.Options, seconds: number, warm = true): Promise<Figures> {
  if (warm) await autocannon({ ...opts, duration: WARMUP });
  const r = await autocannon({ ...opts, duration: seconds });
  return {
    requestsPerSecond: Math.round(r.requests.average),
    latencyMs: { p50: r.latency.p50, p95: r.latency.p97_5, p99: r.latency.p99, max: r.latency.max },
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/**
 * The rounds' middle ratio, to two decimals; for an even count the mean of the two middle ones (not
 * bench/_lib.ts `median`'s upper one), so neither round of the middle pair decides alone.
 */
function medianRatio(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(m * 100) / 100;
}

/** Rounds of one server as one figure: requests summed; p50 averaged; p99 and max the worst round's. */
function combine(rounds: Figures[]): Figures & { rounds: Figures[] } {
  const sum = (f: (r: Figures) => number) => rounds.reduce((a, r) => a + f(r), 0);
  return {
    requestsPerSecond: Math.round(sum((r) => r.requestsPerSecond) / rounds.length),
    latencyMs: {
      p50: Math.round((sum((r) => r.latencyMs.p50) / rounds.length) * 10) / 10,
      p95: Math.max(...rounds.map((r) => r.latencyMs.p95)),
      p99: Math.max(...rounds.map((r) => r.latencyMs.p99)),
      max: Math.max(...rounds.map((r) => r.latencyMs.max)),
    },
    requests: sum((r) => r.requests),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    rounds,
  };
}

async function bcryptRate(cost: number, parallel: number, seconds: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  const lane = async () => {
    while (Date.now() < end) {
      await bcrypt.hash(PASSWORD, cost);
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: parallel }, lane));
  return Math.round((done / ((Date.now() - started) / 1000)) * 10) / 10;
}

async function main() {
  const config = loadConfig(env);
  const { sequelize, user, token } = await sessionStudent(config, { passwordHash: await bcrypt.hash(PASSWORD, BCRYPT_COST) });
  try {
    // Both servers stay up and are driven in turn, twice, so drifting load from other processes on
    // the machine falls on both alike instead of on whichever happened to run second.
    const app = await startServer('app');
    const bare = await startServer('bare');
    const session = (url: string) => ({ url: `${url}/api/v2/auth/session`, connections: CONNECTIONS, headers: { authorization: `Bearer ${token}` } });
    await warm(session(app.url), WARMUP);
    await warm(session(bare.url), WARMUP);
    const rounds: { app: Figures[]; bare: Figures[] } = { app: [], bare: [] };
    const roundSeconds = DURATION / ROUNDS;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, server] of [
        ['app', app],
        ['bare', bare],
      ] as const) {
        console.log(`round ${round}: GET /auth/session, ${name}, ${CONNECTIONS} connections, ${roundSeconds} s`);
        const f = await load({ ...session(server.url), seconds: roundSeconds });
        const figures: Figures = {
          requestsPerSecond: f.requestsPerSecond,
          latencyMs: f.latencyMs,
          requests: f.requests,
          non2xx: f.errors,
          errors: 0,
          timeouts: 0,
        };
        console.log(figures);
        rounds[name].push(figures);
      }
    }
    // allocation and CPU per request, in a window of their own after the timed rounds (the counts
    // are per request, so the machine's load moves them far less than it moves req/s)
    const allocation: Record<'app' | 'bare', AllocationFigures> = {} as Record<'app' | 'bare', AllocationFigures>;
    for (const [name, server] of [
      ['app', app],
      ['bare', bare],
    ] as const) {
      const { allocation: a } = await probes[name].measure(server.child.pid!, () => load({ ...session(server.url), seconds: ALLOC_SECONDS }));
      console.log(`allocation, ${name}:`, a);
      allocation[name] = a;
    }
    const rss = { app: rssMb(app.child.pid!), bare: rssMb(bare.child.pid!) };
    await stopChild(bare.child);
    const appSession = combine(rounds.app);
    const bareSession = combine(rounds.bare);

    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    console.log(`bcrypt cost ${BCRYPT_COST}: one at a time, then ${threads} in parallel`);
    const single = await bcryptRate(BCRYPT_COST, 1, 3);
    const parallel = await bcryptRate(BCRYPT_COST, threads, 3);

    console.log(`POST /auth/login, real app, ${LOGIN_CONNECTIONS} connections, ${DURATION} s, bcrypt cost ${BCRYPT_COST}`);
    const login = await drive(
      {
        url: `${app.url}/api/v2/auth/login`,
        method: 'POST',
        connections: LOGIN_CONNECTIONS,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: PASSWORD }),
        timeout: 30,
      },
      DURATION,
    );
    console.log(login);
    await stopChild(app.child);

    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.versions.node, loadAvg1m: os.loadavg()[0] };
    const roundRatios = rounds.app.map((a, i) => Math.round((a.requestsPerSecond / rounds.bare[i]!.requestsPerSecond) * 100) / 100);
    const ratio = medianRatio(roundRatios);
    const ratioOfMeans = Math.round((appSession.requestsPerSecond / bareSession.requestsPerSecond) * 100) / 100;
    const sessionResult = {
      bench: 'auth-session',
      at: new Date().toISOString(),
      machine,
      setup: {
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        schedule: `both servers up; ${WARMUP} s warm-up each, then app and bare driven alternately in ${ROUNDS} rounds of ${roundSeconds} s; ratio: the median of the rounds' app ÷ bare`,
        warmupSeconds: WARMUP,
        loadGenerator: wrkAvailable
          ? 'GET /auth/session: wrk pinned to the last CPU, each server in its own child process pinned to the others (taskset); POST /auth/login: autocannon in the parent'
          : 'autocannon in the parent process (wrk not found); each server in its own child process',
        heapFlags: HEAP_FLAGS,
        app: 'createApp with real deps (PostgreSQL, Redis), NODE_ENV=production, LOG_LEVEL=warn, global and auth rate limiters on with limits too high to throttle',
        bare: "node:http: the same HS256 check (KeyObject; alg, iss, aud pinned) and verified-token cache, the limiter's one EVALSHA with the deny-list keys, the same status, body and header lines (bench/README.md, The auth-session ceiling)",
      },
      app: appSession,
      bare: bareSession,
      ratio,
      roundRatios,
      ratioOfMeans,
      allocation: {
        method: `bench/_alloc-probe.mjs preloaded into each server: v8.GCProfiler over a ${ALLOC_SECONDS} s wrk window, requests counted by the server (diagnostics_channel); promoted = old-space growth across young-generation GCs`,
        ...allocation,
      },
      rssMbAfterLoad: rss,
      target: { ratioAtLeast: 0.8, p99BelowMs: 25, bytesAllocatedPerRequestAtMost: 26_000, met: ratio >= 0.8 && appSession.latencyMs.p99 < 25 },
    };
    const loginResult = {
      bench: 'auth-login',
      at: sessionResult.at,
      machine,
      bcryptCost: BCRYPT_COST,
      login: {
        connections: LOGIN_CONNECTIONS,
        durationSeconds: DURATION,
        work: "per login: one bcrypt compare, UPDATE users.last_login_at, DELETE of the user's dead refresh_tokens, INSERT refresh_tokens, INSERT audit_log, 3 Redis rate-limit counters",
        ...login,
      },
      bcrypt: {
        hashesPerSecondOneAtATime: single,
        hashesPerSecondParallel: parallel,
        threadPoolSize: threads,
        note: 'a login costs one bcrypt compare (= one hash); login throughput is bounded by the parallel figure',
      },
    };
    writeResults('auth-session', sessionResult);
    writeResults('auth-login', loginResult);
    console.log(
      JSON.stringify(
        {
          session: { app: appSession.requestsPerSecond, bare: bareSession.requestsPerSecond, ratio, appP99: appSession.latencyMs.p99 },
          bytesPerRequest: { app: allocation.app.bytesAllocatedPerRequest, bare: allocation.bare.bytesAllocatedPerRequest },
          login: login.requestsPerSecond,
          bcrypt: { single, parallel },
        },
        null,
        2,
      ),
    );
  } finally {
    await sequelize.close();
    await dropBenchData(config);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
