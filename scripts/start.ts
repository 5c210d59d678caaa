import '../common/require-node';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn, fork, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { getConfigOrExit } from '../common/config';
import { databaseState, ensureDatabase } from '../common/db/database';
import { migrationNames } from '../common/db/migration-files';
import { RedisConnection } from '../common/runtime/redis-connection';
import { liveReports, type SandboxReport } from '../common/grading/sandbox-reports';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { DEMO_LOGINS, DEMO_PASSWORD } from './seed/demo-logins';
import type { PrepareMessage } from './start/prepare';

/**
 * `npm start`: checks PostgreSQL and Redis, migrates, seeds an empty database, then runs the API and
 * one worker as two child processes with their output in this terminal. Ctrl-C stops both.
 * This process stays a thin process manager (pg, a Redis PING, the config): the migrator, the models
 * and the seed run in a short-lived child (start/prepare.ts), and only when the database needs them.
 */
const say = (line: string) => process.stdout.write(`${line}\n`);
const redactUrl = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
const HINT = 'Start one with: docker compose up -d postgres redis';

async function checkPostgres(url: string, ssl: boolean): Promise<void> {
  try {
    const created = await ensureDatabase(url, { ssl });
    if (created) say(`Created database ${new URL(url).pathname.slice(1)}.`);
  } catch (err) {
    say(`PostgreSQL is not reachable at ${redactUrl(url)} (${(err as Error).message}). ${HINT}`);
    process.exit(1);
  }
}

async function checkRedis(url: string): Promise<void> {
  try {
    (await RedisConnection.open(url)).close();
  } catch (err) {
    say(`Redis is not reachable at ${redactUrl(url)} (${(err as Error).message}). ${HINT}`);
    process.exit(1);
  }
}

/** The same file next to this one, compiled (.js under dist/) or not (.ts under tsx). */
const sibling = (relative: string) => path.join(__dirname, `${relative}${path.extname(__filename)}`);

/**
 * Migrates and seeds in a child (start/prepare.ts). `migrated` settles once the schema is current,
 * `done` once the seed is committed, with whether it seeded.
 */
function prepareDatabase(): { migrated: Promise<number>; done: Promise<boolean> } {
  const child = fork(sibling('start/prepare'), [], {
    execArgv: process.execArgv,
    env: { ...process.env, NODE_COMPILE_CACHE: compileCacheDir() },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let applied: (n: number) => void = () => undefined;
  let seeded: (s: boolean) => void = () => undefined;
  let failed: (e: Error) => void = () => undefined;
  const migrated = new Promise<number>((resolve, reject) => ((applied = resolve), (failed = reject)));
  const done = new Promise<boolean>((resolve, reject) => {
    seeded = resolve;
    const fail = failed;
    failed = (e) => (fail(e), reject(e));
  });
  done.catch(() => undefined); // awaited later; a failure before then is reported through `migrated`
  child.on('message', (m: PrepareMessage) => (m.step === 'migrated' ? applied(m.applied) : seeded(m.seeded)));
  child.on('exit', (code) => failed(new Error(`migrating and seeding the database failed (exit code ${code})`)));
  return { migrated, done };
}

/** Node's compile cache for the API and the worker: the second start compiles none of their ~1,600 modules. */
function compileCacheDir(): string {
  return process.env.NODE_COMPILE_CACHE || path.join(os.tmpdir(), `gema-compile-cache-${os.userInfo().uid}`);
}

function run(name: string, script: string): ChildProcess {
  const child = spawn(process.execPath, [...HEAP_FLAGS, path.join(__dirname, '..', script)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_COMPILE_CACHE: compileCacheDir() },
  });
  const prefix = name === 'api' ? '\x1b[36m[api]\x1b[0m    ' : '\x1b[35m[worker]\x1b[0m ';
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
  }
  return child;
}

/** Still running: a child ended by a signal has a null exitCode too, and its signalCode set. */
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** 200 from GET /ready; false for anything else, a refused connection included. */
function readyOnce(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/ready`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

/** Polls /ready with node:http (fetch would load undici into this process for one GET). */
async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  // often at first (a quiet machine is ready within a second), then less: each refused try costs CPU
  // that the API's own start-up on the same cores could use
  for (let pause = 25; Date.now() < until && running(child); pause = Math.min(pause * 1.5, 250)) {
    if (await readyOnce(url)) return true;
    await new Promise((r) => setTimeout(r, pause));
  }
  return false;
}

/** The worker child's sandbox self-check, once it is in Redis (it takes a few seconds: a JVM starts). */
async function workerReport(
  redisUrl: string,
  prefix: string,
  worker: ChildProcess,
  spawnedAt: number,
  timeoutMs = 60_000,
): Promise<SandboxReport | undefined> {
  let client: RedisConnection | undefined;
  try {
    client = await RedisConnection.open(redisUrl);
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && running(worker)) {
      const here = (await liveReports(client, prefix)).filter((r) => r.hostname === os.hostname() && Date.parse(r.checkedAt) >= spawnedAt);
      // the child itself under `node dist/…`; a runner in between (tsx) gives the worker a pid of its own
      const mine = here.find((r) => r.pid === worker.pid) ?? here[0];
      if (mine) return mine;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  } catch {
    return undefined; // Redis went away meanwhile: the summary says the worker has not reported
  } finally {
    client?.close();
  }
}

/** One line per language, as the worker logged it: what runs, and what to install for what does not. */
function sandboxSummary(report: SandboxReport | undefined): string[] {
  if (!report) return ['  Languages: the worker has not reported its sandbox check yet (GET /api/v2/coding-lab/languages shows it once it has)'];
  return [
    `  Sandbox isolation: ${report.isolation.level}${report.isolation.reason ? ` (${report.isolation.reason})` : ''}`,
    "  Languages (the worker's sandbox self-check):",
    ...report.languages.map((c) =>
      c.available
        ? `    ${c.language.padEnd(11)}available    ${c.version ?? ''}`
        : `    ${c.language.padEnd(11)}UNAVAILABLE  ${c.reason}\n${' '.repeat(28)}fix: ${c.fix}`,
    ),
  ];
}

async function main() {
  const started = Date.now();
  const config = getConfigOrExit();
  await checkPostgres(config.db.url, config.db.ssl);
  await checkRedis(config.redis.url);

  const state = await databaseState(config.db.url, migrationNames(), { ssl: config.db.ssl });
  let seededNow: Promise<boolean> = Promise.resolve(false);
  if (state.pendingMigrations.length || !state.seeded) {
    const prepared = prepareDatabase();
    const applied = await prepared.migrated;
    if (applied) say(`Applied ${applied} migration(s).`);
    seededNow = prepared.done;
  }

  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (running(c)) c.kill(signal);
  };
  process.on('SIGINT', () => stopAll('SIGTERM'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  const start = (name: string, script: string) => {
    const child = run(name, script);
    children.push(child);
    child.on('exit', (code) => {
      if (!stopping) {
        say(`A process exited (code ${code}); stopping the other.`);
        stopAll('SIGTERM');
        process.exitCode = code || 1;
      }
    });
    return child;
  };

  const api = start('api', 'api/server.js');
  const url = `http://localhost:${config.http.port}`;
  const [ready, seeded] = await Promise.all([
    waitReady(url, api),
    seededNow.catch((err: Error) => {
      say(`start failed: ${err.message}; stopping the API and the worker.`);
      stopAll('SIGTERM');
      process.exitCode = 1;
      return false;
    }),
  ]);
  if (stopping) return;
  // the worker starts once the API answers: its start (~1,700 modules, then the sandbox self-check
  // with a JVM and gcc, ~1.3–1.6 s of CPU before the API was ready) took the same two cores as the API
  const workerSpawnedAt = Date.now() - 1000;
  const worker = start('worker', 'worker/main.js');
  if (ready && !stopping) {
    say('');
    say(`GEMA API is ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    say(`  API:      ${url}/api/v2`);
    say(`  Docs:     ${url}/api/v2/docs`);
    say(`  Health:   ${url}/ready`);
    say(`  Demo logins${seeded ? ' (just seeded)' : ''}, password "${DEMO_PASSWORD}":`);
    for (const l of DEMO_LOGINS) say(`    ${l.role.padEnd(8)} ${l.email}`);
    // the worker logs its check as it goes; the summary waits for it, so it may follow a few worker lines
    if (config.worker.queues.includes('grading')) {
      for (const line of sandboxSummary(await workerReport(config.redis.url, config.redis.prefix, worker, workerSpawnedAt))) say(line);
    }
    say('  Ctrl-C stops the API and the worker.');
    say('');
  }
}

main().catch((err: unknown) => {
  say(`start failed: ${(err as Error).message}`);
  process.exit(1);
});
