import '../common/require-node';
/**
 * Per-test overheads of the sandboxes: how long preparing (syntax check / compile) and one run of
 * a hello-world take, wall-clock, on this machine, and what the control group of a run adds
 * (creation with its limits + teardown, p50/p95). `npx tsx bench/sandbox.ts [runs]`; figures go
 * to bench/results/sandbox.json.
 */
import os from 'node:os';
import { createSandbox, sandboxIsolation } from '../worker/sandbox';
import { processIsolation } from '../worker/sandbox/cgroup';
import { SANDBOX_OVERHEAD_MB } from '../worker/sandbox/bwrap/spawn';
import type { Language, Limits, SourceFile } from '../worker/sandbox/types';
import { round1 as round, writeResults } from './_lib';

const HELLO: Record<Language, SourceFile> = {
  javascript: { name: 'main.js', content: `console.log('Hello, World!')` },
  python: { name: 'main.py', content: `print("Hello, World!")` },
  c: { name: 'main.c', content: `#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }` },
  cpp: { name: 'main.cpp', content: `#include <iostream>\nint main() { std::cout << "Hello, World!" << std::endl; }` },
  java: { name: 'Main.java', content: `public class Main { public static void main(String[] a) { System.out.println("Hello, World!"); } }` },
};
const LIMITS: Limits = { timeMs: 2000, memoryMb: 128 };

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: round(at(0.5)), p95: round(at(0.95)), min: round(sorted[0]!), n: sorted.length };
}
const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * The cost a control group adds to every run: mkdir in each hierarchy, the limits written, then
 * the (empty) group killed-checked and removed, as runSandboxed does around each sandbox.
 */
async function cgroupCost(iterations: number) {
  const manager = processIsolation().manager;
  if (!manager) return { level: sandboxIsolation().level, reason: sandboxIsolation().reason };
  const create: number[] = [];
  const teardown: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = now();
    const group = manager.createRun(`bench-${i}`, { memoryBytes: (128 + SANDBOX_OVERHEAD_MB) * 1024 * 1024, pids: 33 });
    const t1 = now();
    await group.destroy();
    const t2 = now();
    create.push(t1 - t0);
    teardown.push(t2 - t1);
    total.push(t2 - t0);
  }
  return { level: manager.level, createMs: stats(create), teardownMs: stats(teardown), perRunMs: stats(total) };
}

async function main() {
  const runs = Number(process.argv[2] ?? 20);
  const cgroup = await cgroupCost(Math.max(100, runs * 10));
  process.stdout.write(`cgroup     ${JSON.stringify(cgroup)}\n`);
  const sandbox = createSandbox({ backend: 'auto' });
  const results: Record<string, unknown> = {};
  for (const language of sandbox.availableLanguages()) {
    const runner = sandbox.runnerFor(language);
    const prepare: number[] = [];
    const run: number[] = [];
    const cpu: number[] = [];
    const memory: number[] = [];
    // one warm-up: the first prepare also builds the bwrap helper / forks the isolate child
    const warm = await runner.prepare(language, [HELLO[language]], LIMITS);
    await warm.run('', LIMITS);
    await warm.dispose();
    for (let i = 0; i < Math.max(3, Math.ceil(runs / 4)); i++) {
      const t = now();
      const prog = await runner.prepare(language, [HELLO[language]], LIMITS);
      prepare.push(now() - t);
      await prog.dispose();
    }
    const prog = await runner.prepare(language, [HELLO[language]], LIMITS);
    for (let i = 0; i < runs; i++) {
      const t = now();
      const r = await prog.run('', LIMITS);
      run.push(now() - t);
      cpu.push(r.timeMs);
      memory.push(r.memoryKb);
      if (r.verdict !== 'ok') throw new Error(`${language}: ${r.verdict} ${r.stderr}`);
    }
    await prog.dispose();
    results[language] = {
      runner: runner.name,
      prepareMs: stats(prepare),
      runWallMs: stats(run),
      reportedTimeMs: stats(cpu),
      memoryKb: stats(memory),
    };
    process.stdout.write(
      `${language.padEnd(10)} ${runner.name.padEnd(11)} prepare p50 ${stats(prepare).p50} ms   run p50 ${stats(run).p50} ms (p95 ${stats(run).p95})\n`,
    );
  }
  await sandbox.close();
  const out = {
    benchmark: 'sandbox per-test overhead (hello world)',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg().map(round) },
    runsPerLanguage: runs,
    /** what one run's control group costs on top of the sandbox (create with limits + teardown) */
    cgroup,
    /** the bench process itself (the worker side of every sandbox) at the end */
    rssMb: round(process.memoryUsage().rss / 1024 / 1024),
    results,
  };
  writeResults('sandbox', out);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
