import '../common/require-node';
import { createSandbox } from '../worker/sandbox';
import type { Language, Limits, RunResult } from '../worker/sandbox/types';
import fs from 'node:fs';
import path from 'node:path';
import { processIsolation } from '../worker/sandbox/cgroup';
import { cpuMs, processTree } from './_lib';

/**
 * CPU per graded submission straight on the sandbox (prepare, five runs, dispose), split into this
 * process (the worker's side: IPC, spawning) and its children (runner children, bwrap, Python):
 * load-insensitive, so before/after comparisons hold on a busy machine. The pool is warmed first.
 * Runs go as the grader sends them (the tests handed to `prepare`, then `runAll` where the backend has
 * it: isolated-vm sends the syntax check and the runs in one request); BENCH_ONE_BY_ONE=1 sends one
 * request per test, as before; BENCH_OPEN_APART=1 keeps the syntax check a request of its own.
 * Programs are prepared with one reuse key, as the grader's submissions of one task are (a warm Python
 * sandbox serves them one after the other); BENCH_NO_REUSE=1 prepares each alone.
 *
 *   npx tsx bench/_sandbox-cpu.ts [javascript|python] [submissions] [concurrency]
 */
const language = (process.argv[2] ?? 'javascript') as Language;
const count = Number(process.argv[3] ?? 200);
const concurrency = Number(process.argv[4] ?? 2);
const SOURCE: Record<string, { name: string; content: string }> = {
  javascript: {
    name: 'main.js',
    content: 'const xs = stdin.split(/\\s+/).filter(Boolean).map(Number);\nconsole.log(xs.reduce((a, b) => a + b, 0));',
  },
  python: { name: 'main.py', content: 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n' },
};
const TESTS = Array.from({ length: 5 }, (_, i) => Array.from({ length: 10 * (i + 1) }, (_, k) => k).join(' '));
const ONE_BY_ONE = process.env.BENCH_ONE_BY_ONE === '1';
const OPEN_APART = ONE_BY_ONE || process.env.BENCH_OPEN_APART === '1';
const REUSE = process.env.BENCH_NO_REUSE === '1' ? {} : { reuseKey: 'task:bench' };
const LIMITS: Limits = { timeMs: 2000, memoryMb: 128 };

const own = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const children = () =>
  processTree(process.pid)
    .filter((p) => p !== process.pid)
    .reduce((s, p) => s + cpuMs(p), 0) +
  cpuMs(process.pid) -
  own();

/**
 * CPU of everything that ran inside the sandboxes' control groups (cgroup v1 cpuacct of the worker's
 * parent group: charged to it as it runs, so groups removed since still count), ms; undefined elsewhere.
 * A cross-check of `children`, which only sees processes reaped up the chain.
 */
const grouped = (): number | undefined => {
  const dir = processIsolation().manager?.parentDirs.find((d) => d.includes('cpuacct'));
  if (!dir) return undefined;
  try {
    return Number(fs.readFileSync(path.join(dir, 'cpuacct.usage'), 'utf8')) / 1e6;
  } catch {
    return undefined;
  }
};

async function main() {
  const sandbox = createSandbox({ backend: 'auto', jsPoolSize: concurrency });
  const runner = sandbox.runnerFor(language);
  const gradeOne = async () => {
    const tests = TESTS.map((stdin) => ({ stdin }));
    const program = await runner.prepare(language, [SOURCE[language]!], LIMITS, OPEN_APART ? REUSE : { ...REUSE, tests });
    try {
      const check = (r: RunResult) => {
        if (r.verdict !== 'ok') throw new Error(`${language}: ${r.verdict} ${r.stderr} ${r.message ?? ''}`);
      };
      if (program.runAll && !ONE_BY_ONE) {
        let n = 0;
        for await (const r of program.runAll(tests, LIMITS)) {
          check(r);
          n++;
        }
        if (n !== TESTS.length) throw new Error(`${n} of ${TESTS.length} runs`);
      } else {
        for (const stdin of TESTS) check(await program.run(stdin, LIMITS));
      }
    } finally {
      await program.dispose();
    }
  };
  // warm-up: every pool child started
  await Promise.all(Array.from({ length: concurrency }, gradeOne));
  const before = { own: own(), children: children(), grouped: grouped() };
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await gradeOne();
      }
    }),
  );
  const after = { own: own(), children: children(), grouped: grouped() };
  await sandbox.close();
  const per = (k: 'own' | 'children') => Math.round(((after[k] - before[k]) / count) * 10) / 10;
  const inGroups =
    after.grouped !== undefined && before.grouped !== undefined ? Math.round(((after.grouped - before.grouped) / count) * 10) / 10 : undefined;
  process.stdout.write(
    `${JSON.stringify({ language, submissions: count, reuse: 'reuseKey' in REUSE, cpuMsPerSubmission: { worker: per('own'), children: per('children'), inGroups } })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
