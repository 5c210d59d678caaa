import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { testWorkerDeps } from '../support/deps';
import { createGradingProcessor } from '../../worker/grading/processor';
import { startQueues } from '../../worker/queues';
import { makeTask, settled, submitDirect, SUM_PROGRAMS, testCase } from './helpers';

/** The live child processes of this test process (but the `ps` that lists them). */
function childPids(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, comm]) => pid && comm !== 'ps')
      .map(([pid]) => Number(pid));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

describe('coding lab: worker shutdown', () => {
  it("closes the grading processor's sandbox once the queue workers have closed: its JavaScript runner children are gone", async () => {
    const before = new Set(childPids());
    const running = await startQueues(testWorkerDeps(), ['grading'], {
      // no sweep scheduler: it would outlive this test on the suite's queue
      grading: (deps) => createGradingProcessor(deps, { sweepEveryMs: 0 }),
    });
    let closed = false;
    try {
      const task = await makeTask({ languages: ['javascript'], tests: [testCase({ stdin: '1 2', expected: '3' })] });
      const id = await submitDirect(task, 'javascript', SUM_PROGRAMS.javascript);
      expect((await settled(id)).verdict).to.equal('accepted');

      const sandboxChildren = childPids().filter((pid) => !before.has(pid));
      expect(sandboxChildren, 'grading JavaScript starts runner children').to.not.be.empty;

      await running.close(10_000);
      closed = true;
      const alive = new Set(childPids());
      expect(sandboxChildren.filter((pid) => alive.has(pid))).to.deep.equal([]);
    } finally {
      if (!closed) await running.close(10_000);
    }
  });
});
