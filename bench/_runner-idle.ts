import '../common/require-node';
import { jsGradingWork } from './_js-grading-work';
import fs from 'node:fs';
import { roleOf, treeStats } from './_proc-stats';
import { processTree } from './_lib';

/**
 * Does a runner child pay again after an idle pause? The exam hall's grading work (prepare, five
 * tests, dispose) straight on the sandbox, two at a time on a pool of two children: a warm-up, then
 * batches of 25 submissions after a pause of 0 s and of BENCH_IDLE_S (10) s, each batch's CPU and
 * minor page faults of the runner children per submission (/proc). Prints one JSON line a batch.
 *
 *   npx tsx bench/_runner-idle.ts
 */
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const { sandbox, batch } = jsGradingWork('task:idle');
  const runners = () => treeStats(process.pid).runner!;
  await batch(200);
  const children = () => processTree(process.pid).filter((p) => roleOf(p) === 'runner');
  const rss = () =>
    children().map((p) =>
      fs
        .readFileSync(`/proc/${p}/smaps_rollup`, 'utf8')
        .split('\n')
        .filter((l) => /^(Rss|Anonymous|Private_Dirty):/.test(l))
        .map((l) => l.replace(/\s+/g, ' '))
        .join(' '),
    );
  for (const pause of [0, IDLE_S * 1000, 0, IDLE_S * 1000]) {
    process.stdout.write(`before pause ${JSON.stringify(rss())}\n`);
    await sleep(pause);
    process.stdout.write(`after pause ${JSON.stringify(rss())}\n`);
    for (let b = 0; b < 4; b++) {
      const before = runners();
      await batch(25);
      const after = runners();
      const per = (k: 'userMs' | 'systemMs' | 'minorFaults') => Math.round(((after[k] - before[k]) / 25) * 100) / 100;
      process.stdout.write(
        `${JSON.stringify({ pauseS: pause / 1000, batch: b, cpuMs: per('userMs') + per('systemMs'), minorFaults: per('minorFaults') })}\n`,
      );
    }
  }
  await sandbox.close();
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
