import '../common/require-node';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { dropDatabase } from '../common/db/database';
import { cpuMs, percentile, rssMb, stopChild, waitForLine, writeResults } from './_lib';
import { pageFaultCosts } from './_machine';

/**
 * Cold start of `npm start` on an empty database (create, migrate, seed, spawn API + worker, /ready),
 * then starts on the migrated, seeded database, and the resident memory of each process once idle.
 * Besides wall time (which a shared machine stretches) it reads the CPU each process had used when the
 * ready line came: that is what start-up costs, whatever else runs. Needs `npm run build` first
 * (bench/run-all does it). STARTUP_DIST=<dir> runs another build (an A/B against an older dist/).
 */
const root = path.join(__dirname, '..');
const dist = path.resolve(root, process.env.STARTUP_DIST ?? 'dist');
const warmRuns = Number(process.env.STARTUP_RUNS ?? 5);
const dbUrl = `postgres://postgres@127.0.0.1:5432/gema_bench_startup_${process.pid}`;
const port = 18000 + (process.pid % 1000);
// a fresh compile cache: the cold run is a fresh machine's first `npm start`, the next ones reuse it
const compileCache = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-bench-compile-cache-'));

function childPids(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * The supervisor's API and worker children, told apart by their command lines: the API is spawned
 * first, but on a new database the database step's child may still be there when the ready line comes.
 */
function ownChildren(supervisor: number): { api?: number; worker?: number; databaseStep?: number } {
  const kids = childPids(supervisor).map((pid) => {
    try {
      return { pid, cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') };
    } catch {
      return { pid, cmd: '' };
    }
  });
  const find = (part: string) => kids.find((k) => k.cmd.includes(part))?.pid;
  return { api: find('api/server'), worker: find('worker/main'), databaseStep: find('scripts/start/prepare') };
}

interface Start {
  child: ChildProcess;
  readyMs: number;
  /**
   * CPU ms when the ready line came: the supervisor (with the children it reaped), the API, the worker,
   * and the database step's child when it had not been reaped yet (0 once it is in the supervisor's)
   */
  cpuMs: { supervisor: number; api: number; worker: number; databaseStep: number };
}

/** `npm start` (dist/scripts/start.js) until it prints that the API is ready; the child, still running. */
async function startToReady(): Promise<Start> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(dist, 'scripts/start.js')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'development', NODE_COMPILE_CACHE: compileCache },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const readyMs = await waitForLine(
    child,
    (line) => (line.includes('GEMA API is ready') ? Number(process.hrtime.bigint() - started) / 1e6 : undefined),
    'npm start (before ready)',
  );
  const kids = ownChildren(child.pid!);
  const cpu = {
    supervisor: cpuMs(child.pid!),
    api: kids.api ? cpuMs(kids.api) : 0,
    worker: kids.worker ? cpuMs(kids.worker) : 0,
    databaseStep: kids.databaseStep ? cpuMs(kids.databaseStep) : 0,
  };
  return { child, readyMs, cpuMs: cpu };
}

const median = (xs: number[]) => percentile(xs, 50);

async function main() {
  const cold = await startToReady();
  const child = cold.child;

  // idle long enough for the processes' idle heap trim (a check every 2.5 s, common/runtime/idle-heap-trim.ts)
  await new Promise((r) => setTimeout(r, 10_000));
  const { api: apiPid, worker: workerPid } = ownChildren(child.pid!);
  const idleRssMb = {
    supervisor: rssMb(child.pid!),
    api: apiPid ? rssMb(apiPid) : null,
    worker: workerPid ? rssMb(workerPid) : null,
    // the JavaScript runner pool and any other children the worker keeps alive while idle
    workerChildren: workerPid ? childPids(workerPid).reduce((sum, pid) => sum + rssMb(pid), 0) : null,
  };
  await stopChild(child);

  // again on the same database: nothing to create, migrate or seed
  const warm: Start[] = [];
  for (let i = 0; i < warmRuns; i++) {
    const run = await startToReady();
    await stopChild(run.child);
    warm.push(run);
  }
  await dropDatabase(dbUrl);
  fs.rmSync(compileCache, { recursive: true, force: true });

  const warmReady = median(warm.map((w) => w.readyMs));
  const result = {
    bench: 'startup',
    node: process.versions.node,
    at: new Date().toISOString(),
    dist: path.relative(root, dist),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    pageFaults: pageFaultCosts(),
    coldStartToReadyMs: Math.round(cold.readyMs),
    startWithMigrationsAppliedToReadyMs: Math.round(warmReady),
    startWithMigrationsAppliedRuns: warm.map((w) => Math.round(w.readyMs)),
    target: { coldBelowMs: 2000, migratedBelowMs: 1000 },
    met: cold.readyMs < 2000 && warmReady < 1000,
    cpuMsAtReady: {
      cold: cold.cpuMs,
      migrated: {
        supervisor: median(warm.map((w) => w.cpuMs.supervisor)),
        api: median(warm.map((w) => w.cpuMs.api)),
        worker: median(warm.map((w) => w.cpuMs.worker)),
      },
    },
    idleRssMb,
    note: 'cold: empty database and compile cache (create, migrate, seed the demo school, spawn API and worker, first 200 from /ready); then the median of STARTUP_RUNS starts on the migrated, seeded database; cpuMsAtReady: CPU each process had used when the ready line came (the supervisor with the children it reaped; databaseStep: the migrate-and-seed child when it was not reaped yet)',
  };
  writeResults(process.env.STARTUP_DIST ? `startup-${path.basename(dist)}` : 'startup', result);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
