import { createSandbox } from '../worker/sandbox';
import type { Limits } from '../worker/sandbox/types';

const LIMITS: Limits = { timeMs: 2000, memoryMb: 128 };
const SOURCE = 'const xs = stdin.split(/\\s+/).filter(Boolean).map(Number);\nconsole.log(xs.reduce((a, b) => a + b, 0));';
const TESTS = Array.from({ length: 5 }, (_, i) => Array.from({ length: 10 * (i + 1) }, (_, k) => k).join(' '));

/**
 * The exam hall's JavaScript grading work straight on the sandbox, for the drivers that time a runner
 * child by itself (_runner-idle, _runner-pace): a sandbox with a pool of two children; `gradeOne`,
 * which prepares the bench's program under one reuse key, runs its five tests and disposes it; and
 * `batch`, `n` of those two at a time (one per child), each pausing `paceMs` after a submission.
 */
export function jsGradingWork(reuseKey: string) {
  const sandbox = createSandbox({ backend: 'auto', jsPoolSize: 2 });
  const runner = sandbox.runnerFor('javascript');
  const gradeOne = async () => {
    const program = await runner.prepare('javascript', [{ name: 'main.js', content: SOURCE }], LIMITS, { reuseKey });
    try {
      for (const stdin of TESTS) await program.run(stdin, LIMITS);
    } finally {
      await program.dispose();
    }
  };
  const batch = async (n: number, paceMs = 0) => {
    let left = n;
    await Promise.all(
      [0, 1].map(async () => {
        while (left > 0) {
          left--;
          await gradeOne();
          if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
        }
      }),
    );
  };
  return { sandbox, gradeOne, batch };
}
