import '../common/require-node';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import { percentile } from './_lib';

/**
 * One API process (no supervisor, no worker) started again and again, two builds or two flag sets
 * in turn (A B A B …): the CPU it had used when `/ready` first answered 200, and its resident memory
 * (anonymous and file-backed, from /proc/<pid>/status) after it idled. CPU and RSS hardly depend on
 * the machine's load, so this compares start-up costs on a shared machine where wall time cannot.
 *
 *   npx tsx bench/_start-cpu.ts 'A=dist/api/server.js' 'B=/tmp/old/api/server.js' [runs]
 *   npx tsx bench/_start-cpu.ts 'A=dist/api/server.js' 'B=MALLOC_ARENA_MAX=2 --some-flag dist/api/server.js'
 *
 * Needs DATABASE_URL of a migrated database; the leading `_` keeps bench/run-all.ts from running it.
 */
const root = path.join(__dirname, '..');
const variants = process.argv.slice(2).filter((a) => a.includes('='));
const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5);
const idleMs = Number(process.env.IDLE_MS ?? 5000);
const port = 19000 + (process.pid % 1000);

function cpuMsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

function memOf(pid: number): { rss: number; anon: number; file: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), anon: Math.round(kb('RssAnon') / 1024), file: Math.round(kb('RssFile') / 1024) };
}

const ready = () =>
  new Promise<boolean>((resolve) => {
    const req = http.get(`http://127.0.0.1:${port}/ready`, (res) => (res.resume(), resolve(res.statusCode === 200)));
    req.on('error', () => resolve(false));
  });

async function once(spec: string) {
  const words = spec.split(' ').filter(Boolean);
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  const args = words.filter((w) => !/^[A-Z_]+=/.test(w));
  const entry = path.resolve(root, args.pop()!);
  const child = spawn(process.execPath, [...HEAP_FLAGS, ...args, entry], {
    cwd: root,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const started = process.hrtime.bigint();
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`${spec} exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuMs = cpuMsOf(child.pid!);
  await new Promise((r) => setTimeout(r, idleMs));
  const mem = memOf(child.pid!);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { cpuMs, wallMs, ...mem };
}

async function main() {
  const results = new Map<string, Awaited<ReturnType<typeof once>>[]>();
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const [name, spec] = [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)];
      const r = await once(spec);
      results.set(name, [...(results.get(name) ?? []), r]);
      process.stderr.write(`${name} ${JSON.stringify(r)}\n`);
    }
  }
  for (const [name, rs] of results) {
    const med = (key: keyof (typeof rs)[number]) =>
      percentile(
        rs.map((r) => r[key]),
        50,
      );
    console.log(
      `${name}: cpu ${med('cpuMs')} ms, wall ${med('wallMs')} ms (noisy), RSS ${med('rss')} MB (anon ${med('anon')}, file ${med('file')}) — median of ${rs.length}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
