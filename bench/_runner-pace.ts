import '../common/require-node';
import { jsGradingWork } from './_js-grading-work';
import { treeStats } from './_proc-stats';

/**
 * Does a runner child's CPU per submission depend on the pace the submissions come at? The exam
 * hall's grading work (prepare, five tests, dispose) straight on the sandbox, two at a time on a pool
 * of two children, 150 submissions at full speed and then 150 with BENCH_PACE_MS (e.g. 100) between
 * the submissions of each of the two lanes, alternated twice: the children's CPU, page faults and
 * context switches per submission (/proc). No queue, no database, no second worker.
 *
 *   BENCH_PACE_MS=100 npx tsx bench/_runner-pace.ts
 */
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 100);
// 150 + 4 × 150 programs over two children stays under a child's 500 uses (pool.ts MAX_USES): no child is replaced mid-run
const N = 150;

async function main() {
  const { sandbox, batch } = jsGradingWork('task:pace');
  await batch(N, 0);
  for (const pace of [0, PACE_MS, 0, PACE_MS]) {
    const before = treeStats(process.pid).runner!;
    const t0 = Date.now();
    await batch(N, pace);
    const after = treeStats(process.pid).runner!;
    const per = (k: 'userMs' | 'systemMs' | 'minorFaults' | 'voluntarySwitches' | 'involuntarySwitches') =>
      Math.round(((after[k] - before[k]) / N) * 100) / 100;
    process.stdout.write(
      `${JSON.stringify({ paceMs: pace, seconds: (Date.now() - t0) / 1000, cpuMs: Math.round((per('userMs') + per('systemMs')) * 100) / 100, minorFaults: per('minorFaults'), voluntary: per('voluntarySwitches'), involuntary: per('involuntarySwitches') })}\n`,
    );
  }
  await sandbox.close();
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
