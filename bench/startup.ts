import '../common/require-node';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dropDatabase } from '../common/db/sequelize';
import { stopChild, waitForLine, writeResults } from './_lib';

/**
 * Cold start of `npm start` on an empty database (create, migrate, seed, spawn API + worker, /ready)
 * and the resident memory of each process once idle. Needs `npm run build` first (bench/run-all does it).
 */
const root = path.join(__dirname, '..');
const dbUrl = `postgres://postgres@127.0.0.1:5432/gema_bench_startup_${process.pid}`;
const port = 18000 + (process.pid % 1000);

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** `npm start` (dist/scripts/start.js) until it prints that the API is ready; the child, still running. */
async function startToReady(): Promise<{ child: ChildProcess; readyMs: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(root, 'dist/scripts/start.js')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const readyMs = await waitForLine(
    child,
    (line) => (line.includes('GEMA API is ready') ? Number(process.hrtime.bigint() - started) / 1e6 : undefined),
    'npm start (before ready)',
  );
  return { child, readyMs };
}

async function main() {
  const cold = await startToReady();
  const child = cold.child;

  // idle a moment so start-up garbage is collected before reading RSS
  await new Promise((r) => setTimeout(r, 3000));
  const [apiPid, workerPid] = childPids(child.pid!);
  const idleRssMb = {
    supervisor: Math.round(rssKb(child.pid!) / 1024),
    api: apiPid ? Math.round(rssKb(apiPid) / 1024) : null,
    worker: workerPid ? Math.round(rssKb(workerPid) / 1024) : null,
    // the JavaScript runner pool and any other children the worker keeps alive while idle
    workerChildren: workerPid ? Math.round(childPids(workerPid).reduce((sum, pid) => sum + rssKb(pid), 0) / 1024) : null,
  };
  await stopChild(child);

  // again on the same database: nothing to create, migrate or seed
  const warm = await startToReady();
  await stopChild(warm.child);
  await dropDatabase(dbUrl);

  const result = {
    bench: 'startup',
    node: process.versions.node,
    at: new Date().toISOString(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    coldStartToReadyMs: Math.round(cold.readyMs),
    startWithMigrationsAppliedToReadyMs: Math.round(warm.readyMs),
    target: { coldBelowMs: 2000, migratedBelowMs: 1000 },
    met: cold.readyMs < 2000 && warm.readyMs < 1000,
    idleRssMb,
    note: 'cold: empty database (create, migrate, seed the demo school, spawn API and worker, first 200 from /ready); then the same on the migrated, seeded database',
  };
  writeResults('startup', result);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
