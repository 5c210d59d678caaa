import '../common/require-node';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase } from '../common/db/database';
import { cpuMs, percentile, processTree, stopChild, waitForLine } from './_lib';

/**
 * `npm start` of two (or more) builds in turn, A B A B …: each round a cold start of each (a new
 * database and a new compile cache: create, migrate, seed) and then MIGRATED_RUNS starts of each on
 * its own migrated database. Prints the medians of the time to the ready line and of the CPU every
 * process of the tree had used by then (the supervisor with what it reaped, the database-step child,
 * the API, the worker), so a change is judged pair by pair on a shared machine.
 *
 *   npx tsx bench/_startup-ab.ts new=dist old=.dist-main [rounds]
 *
 * Each dist must sit inside the repository (its packages resolve from node_modules). The leading `_`
 * keeps bench/run-all.ts from running it.
 */
const root = path.join(__dirname, '..');
const variants = process.argv
  .slice(2)
  .filter((a) => a.includes('='))
  .map((a) => ({ name: a.slice(0, a.indexOf('=')), dist: path.resolve(root, a.slice(a.indexOf('=') + 1)) }));
const rounds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 4);
const migratedRuns = Number(process.env.MIGRATED_RUNS ?? 2);
const port = 18000 + (process.pid % 1000);
const dbBase = `postgres://postgres@127.0.0.1:5432/gema_bench_startab_${process.pid}`;

/** Which of npm start's processes a pid is, from its command line. */
function role(pid: number): string {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('scripts/start/prepare')) return 'prepare';
    if (cmd.includes('scripts/start')) return 'supervisor';
    if (cmd.includes('api/server')) return 'api';
    if (cmd.includes('worker/main')) return 'worker';
    return 'other';
  } catch {
    return 'gone';
  }
}

interface Run {
  readyMs: number;
  cpu: Record<string, number>;
}

async function startToReady(dist: string, db: string, cache: string): Promise<{ child: ChildProcess; run: Run }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(dist, 'scripts/start.js')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db, PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'development', NODE_COMPILE_CACHE: cache },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const readyMs = await waitForLine(
    child,
    (line) => (line.includes('GEMA API is ready') ? Number(process.hrtime.bigint() - started) / 1e6 : undefined),
    'npm start (before ready)',
  );
  const cpu: Record<string, number> = {};
  for (const pid of processTree(child.pid!)) {
    const r = role(pid);
    // the supervisor's figure holds the children it has reaped (a finished database step)
    cpu[r] = (cpu[r] ?? 0) + cpuMs(pid);
  }
  cpu.total = Object.values(cpu).reduce((a, b) => a + b, 0);
  return { child, run: { readyMs: Math.round(readyMs), cpu } };
}

async function once(dist: string, db: string, cache: string): Promise<Run> {
  const { child, run } = await startToReady(dist, db, cache);
  await stopChild(child);
  return run;
}

function summary(runs: Run[]) {
  const med = (xs: number[]) => percentile(xs, 50);
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.cpu)))];
  return {
    readyMs: med(runs.map((r) => r.readyMs)),
    all: runs.map((r) => r.readyMs),
    cpuMs: Object.fromEntries(keys.map((k) => [k, med(runs.map((r) => r.cpu[k] ?? 0))])),
  };
}

async function main() {
  const cold = new Map<string, Run[]>();
  const migrated = new Map<string, Run[]>();
  const caches = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const db = `${dbBase}_${v.name}`;
      await dropDatabase(db);
      const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-startab-cache-'));
      if (caches.has(v.name)) fs.rmSync(caches.get(v.name)!, { recursive: true, force: true });
      caches.set(v.name, cache);
      const run = await once(v.dist, db, cache);
      cold.set(v.name, [...(cold.get(v.name) ?? []), run]);
      process.stderr.write(`${v.name} cold ${JSON.stringify(run)}\n`);
    }
    for (let i = 0; i < migratedRuns; i++) {
      for (const v of variants) {
        const run = await once(v.dist, `${dbBase}_${v.name}`, caches.get(v.name)!);
        migrated.set(v.name, [...(migrated.get(v.name) ?? []), run]);
        process.stderr.write(`${v.name} migrated ${JSON.stringify(run)}\n`);
      }
    }
  }
  for (const v of variants) {
    await dropDatabase(`${dbBase}_${v.name}`);
    fs.rmSync(caches.get(v.name)!, { recursive: true, force: true });
  }
  const result = {
    loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
    cold: Object.fromEntries(variants.map((v) => [v.name, summary(cold.get(v.name)!)])),
    migrated: Object.fromEntries(variants.map((v) => [v.name, summary(migrated.get(v.name)!)])),
  };
  console.log(JSON.stringify(result, null, 1));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
