import '../common/require-node';
// before anything else is evaluated: the API starts loading now (start/api-first.ts)
import { api, children } from './start/api-first';
import { compileCacheDir, running } from './start/children';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { ConfigError, getConfig, type Config } from '../common/config';
import { databaseState, ensureDatabase } from '../common/db/database';
import { migrationNames } from '../common/db/migration-files';
import { RedisConnection } from '../common/runtime/redis-connection';
import { liveReports, type SandboxReport } from '../common/grading/sandbox-reports';
import type { ApiMessage, SupervisorMessage } from '../common/runtime/start-gate';
import { DEMO_LOGINS, DEMO_PASSWORD } from './seed/demo-logins';
import type { PrepareMessage } from './start/prepare';

/**
 * `npm start`: checks PostgreSQL and Redis, migrates, seeds an empty database, then runs the API and
 * one worker as two child processes with their output in this terminal. Ctrl-C stops both.
 * This process stays a thin process manager (pg, a Redis PING, the config): the migrator, the models
 * and the seed run in a short-lived child (start/prepare.ts), and only when the database needs them.
 * The API is spawned first and loads while the database is checked and migrated; it waits at its gate
 * until the schema is current (common/runtime/start-gate.ts).
 */
const say = (line: string) => process.stdout.write(`${line}\n`);
const redactUrl = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
const HINT = 'Start one with: docker compose up -d postgres redis';

/** A start that cannot go on, with the one line that says why (printed as it is). */
class StartFailure extends Error {}

/** Creates the database when it does not exist yet; true when it did just now. */
async function checkPostgres(url: string, ssl: boolean): Promise<boolean> {
  try {
    const created = await ensureDatabase(url, { ssl });
    if (created) say(`Created database ${new URL(url).pathname.slice(1)}.`);
    return created;
  } catch (err) {
    throw new StartFailure(`PostgreSQL is not reachable at ${redactUrl(url)} (${(err as Error).message}). ${HINT}`);
  }
}

async function checkRedis(url: string): Promise<void> {
  try {
    (await RedisConnection.open(url)).close();
  } catch (err) {
    throw new StartFailure(`Redis is not reachable at ${redactUrl(url)} (${(err as Error).message}). ${HINT}`);
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

/**
 * Resolves true once the API is ready: at once when it reports that it listens (it listens only after
 * PostgreSQL and Redis have answered, which is what /ready checks; asking /ready as well cost another
 * 40-340 ms on a busy machine, the first request landing on the API's compile-cache write), else when
 * GET /ready answers 200. Polls with node:http (fetch would load undici into this process for one GET);
 * polls alone, their pauses growing, noticed a ready API up to 250 ms late.
 */
async function waitReady(url: string, child: ChildProcess, listening: Promise<void>, timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  let heard = false;
  const heardNow = listening.then(() => void (heard = true));
  // often at first (a quiet machine is ready within a second), then less: each refused try costs CPU
  // that the API's own start-up on the same cores could use
  for (let pause = 25; Date.now() < until && running(child); pause = Math.min(pause * 1.5, 250)) {
    if (heard || (await readyOnce(url))) return true;
    await Promise.race([new Promise((r) => setTimeout(r, pause)), heardNow]);
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

/** The settings; a bad one stops the API already loading, then is named in one line (exit 78, EX_CONFIG). */
async function configOrExit(): Promise<Config> {
  try {
    return getConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    await children.abandon();
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
}

async function main() {
  const started = Date.now();
  const config = await configOrExit();
  process.on('SIGINT', () => children.stopAll());
  process.on('SIGTERM', () => children.stopAll());

  // the API was spawned first (start/api-first.ts): loading its code and building its app (~0.5 s of
  // CPU) overlaps everything below
  const listening = new Promise<void>((resolve) => api.on('message', (m: ApiMessage) => m.step === 'listening' && resolve()));

  // Redis is asked while PostgreSQL is; their failures are still reported in this order
  const redisChecked = checkRedis(config.redis.url);
  redisChecked.catch(() => undefined); // awaited below
  const created = await checkPostgres(config.db.url, config.db.ssl);
  await redisChecked;
  // a database created just now has every migration pending and no user: nothing to read
  const state = created
    ? { pendingMigrations: migrationNames(), seeded: false }
    : await databaseState(config.db.url, migrationNames(), { ssl: config.db.ssl });
  let seededNow: Promise<boolean> = Promise.resolve(false);
  if (state.pendingMigrations.length || !state.seeded) {
    const prepared = prepareDatabase();
    const applied = await prepared.migrated;
    if (applied) say(`Applied ${applied} migration(s).`);
    seededNow = prepared.done;
  }
  // the seed commits in one transaction, so the API may serve while it runs: nothing or all of it is there
  const open: SupervisorMessage = { step: 'schema-current' };
  if (api.connected) api.send(open, () => undefined);

  const url = `http://localhost:${config.http.port}`;
  const [ready, seeded] = await Promise.all([
    waitReady(url, api, listening),
    seededNow.catch((err: Error) => {
      say(`start failed: ${err.message}; stopping the API and the worker.`);
      children.stopAll();
      process.exitCode = 1;
      return false;
    }),
  ]);
  if (children.stopping) return;
  // the worker starts once the API answers: its start (~1,700 modules, then the sandbox self-check
  // with a JVM and gcc, ~1.3–1.6 s of CPU before the API was ready) took the same two cores as the API
  const workerSpawnedAt = Date.now() - 1000;
  const worker = children.start('worker', 'worker/main');
  if (ready && !children.stopping) {
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

main().catch(async (err: unknown) => {
  const interrupted = children.stopping; // Ctrl-C during the database step: the failure is its echo
  // the API is already loading: it stops first, so this line is the last one printed
  await children.abandon();
  if (!interrupted) say(err instanceof StartFailure ? err.message : `start failed: ${(err as Error).message}`);
  process.exit(1);
});
