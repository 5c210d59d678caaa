import '../common/require-node';
import { createSandbox } from '../worker/sandbox';
import type { Language, Limits } from '../worker/sandbox/types';

/**
 * The ceiling of bench/exam-hall.ts: the same grading work (prepare the program, run its five tests,
 * dispose) for `count` submissions, `concurrency` at a time, straight on the sandbox in one process:
 * no queue, no database, no events. Prints `CEILING <json>`.
 *
 *   _exam-hall-ceiling.ts <language> <count> <concurrency> <program.json>
 */
const [language, countArg, concurrencyArg, programJson] = process.argv.slice(2) as [Language, string, string, string];
const { source, tests } = JSON.parse(programJson) as { source: string; tests: Array<{ stdin: string; expected: string }> };
const LIMITS: Limits = { timeMs: 2000, memoryMb: 128 };
const FILE: Record<string, string> = { javascript: 'main.js', python: 'main.py' };

async function main() {
  const sandbox = createSandbox({ backend: 'auto' });
  const runner = sandbox.runnerFor(language);
  const gradeOne = async () => {
    // one task's submissions, as the grader prepares them (a warm Python sandbox serves them in turn)
    const program = await runner.prepare(language, [{ name: FILE[language]!, content: source }], LIMITS, { reuseKey: 'task:exam-hall' });
    try {
      for (const t of tests) {
        const r = await program.run(t.stdin, LIMITS);
        if (r.verdict !== 'ok' || r.stdout.trim() !== t.expected) throw new Error(`${language}: ${r.verdict} ${r.stderr}`);
      }
    } finally {
      await program.dispose();
    }
  };
  await gradeOne(); // warm-up: the first isolate child or bwrap helper
  const count = Number(countArg);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Number(concurrencyArg) }, async () => {
      while (next < count) {
        next++;
        await gradeOne();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await sandbox.close();
  process.stdout.write(
    `CEILING ${JSON.stringify({ language, submissions: count, concurrency: Number(concurrencyArg), seconds: Math.round(seconds * 100) / 100, perSecond: Math.round((count / seconds) * 10) / 10 })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
