import '../common/require-node';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { Redis } from 'ioredis';
import { getConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels } from '../common/models';
import { seedDemoSchool, DEMO_LOGINS, DEMO_PASSWORD } from './seed/index';
import { liveReports, type SandboxReport } from '../common/grading/sandbox-reports';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';

/**
 * `npm start`: checks PostgreSQL and Redis, migrates, seeds an empty database, then runs the API and
 * one worker as two child processes with their output in this terminal. Ctrl-C stops both.
 */
const say = (line: string) => process.stdout.write(`${line}\n`);
const redactUrl = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
const HINT = 'Start one with: docker compose up -d postgres redis';

async function checkPostgres(url: string): Promise<void> {
  try {
    const created = await ensureDatabase(url);
    if (created) say(`Created database ${new URL(url).pathname.slice(1)}.`);
  } catch (err) {
    say(`PostgreSQL is not reachable at ${redactUrl(url)} (${(err as Error).message}). ${HINT}`);
    process.exit(1);
  }
}

async function checkRedis(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  let cause = '';
  client.on('error', (err: Error) => (cause ||= err.message));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    say(`Redis is not reachable at ${redactUrl(url)} (${cause || (err as Error).message}). ${HINT}`);
    process.exit(1);
  } finally {
    client.disconnect();
  }
}

function run(name: string, script: string): ChildProcess {
  const child = spawn(process.execPath, [...HEAP_FLAGS, path.join(__dirname, '..', script)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  const prefix = name === 'api' ? '\x1b[36m[api]\x1b[0m    ' : '\x1b[35m[worker]\x1b[0m ';
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
  }
  return child;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && child.exitCode === null) {
    try {
      const res = await fetch(`${url}/ready`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
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
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && worker.exitCode === null) {
      const here = (await liveReports(client, prefix)).filter((r) => r.hostname === os.hostname() && Date.parse(r.checkedAt) >= spawnedAt);
      // the child itself under `node dist/…`; a runner in between (tsx) gives the worker a pid of its own
      const mine = here.find((r) => r.pid === worker.pid) ?? here[0];
      if (mine) return mine;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  } finally {
    client.disconnect();
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
  await checkPostgres(config.db.url);
  await checkRedis(config.redis.url);

  const logger = createLogger(config, 'start');
  const sequelize = createSequelize(config);
  initModels(sequelize);
  const applied = await createMigrator(sequelize, logger).up();
  if (applied.length) say(`Applied ${applied.length} migration(s).`);
  const seeded = await seedDemoSchool(sequelize, { bcryptCost: config.auth.bcryptCost });
  await sequelize.close();

  const api = run('api', 'api/server.js');
  const workerSpawnedAt = Date.now() - 1000;
  const worker = run('worker', 'worker/main.js');
  const children = [api, worker];
  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill(signal);
  };
  process.on('SIGINT', () => stopAll('SIGTERM'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  for (const c of children) {
    c.on('exit', (code) => {
      if (!stopping) {
        say(`A process exited (code ${code}); stopping the other.`);
        stopAll('SIGTERM');
        process.exitCode = code || 1;
      }
    });
  }

  const url = `http://localhost:${config.http.port}`;
  if (await waitReady(url, api)) {
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
