import { expect } from 'chai';
import { IsolatedVmRunner } from '../../worker/sandbox/isolate/runner';
import type { Limits } from '../../worker/sandbox/types';

const LIMITS: Limits = { timeMs: 1000, memoryMb: 64 };
const main = (content: string) => [{ name: 'main.js', content }];
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error) => e,
  );

/** The JavaScript runner's pool of children when a child dies, stalls, or the pool is shared or closed. */
describe('JavaScript runner pool, at its edges', function () {
  this.timeout(60_000);

  describe('with one child', () => {
    let runner: IsolatedVmRunner;
    beforeEach(() => (runner = new IsolatedVmRunner(1)));
    afterEach(() => runner.close());

    it('refuses a language other than JavaScript', async () => {
      const err = await failureOf(runner.prepare('python', main('print(1)'), LIMITS));
      expect(err?.message).to.equal('isolated-vm cannot run python');
    });

    it('reports a program without files as not compiled, and its runs as internal errors', async () => {
      const prog = await runner.prepare('javascript', [], LIMITS);
      expect(prog.compile).to.deep.equal({ ok: false, output: 'no source files', timeMs: 0 });
      const r = await prog.run('', LIMITS);
      expect(r.verdict).to.equal('internal_error');
      expect(r.message).to.equal('the program did not compile');
      await prog.dispose();
    });

    it('answers a run of a program with a syntax error with internal_error, without asking a child', async () => {
      const prog = await runner.prepare('javascript', main('function ('), LIMITS);
      expect(prog.compile.ok).to.equal(false);
      const pids = runner.childPids();
      const r = await prog.run('', LIMITS);
      expect(r.verdict).to.equal('internal_error');
      expect(r.message).to.equal('the program did not compile');
      expect(runner.childPids()).to.deep.equal(pids);
    });

    it('rejects the preparation when the child dies before answering, and prepares the next on a fresh child', async () => {
      runner.warm();
      const [pid] = runner.childPids();
      const preparing = runner.prepare('javascript', main(`print('x')`), LIMITS);
      process.kill(pid!, 'SIGKILL');
      const err = await failureOf(preparing);
      expect(err?.message).to.equal('runner child exited (SIGKILL)');
      const prog = await runner.prepare('javascript', main(`print('again')`), LIMITS);
      expect((await prog.run('', LIMITS)).stdout).to.equal('again\n');
      expect(runner.childPids()).to.not.include(pid);
    });

    it('rebuilds a prepared program on a new child when the one that compiled it is gone', async () => {
      const prog = await runner.prepare('javascript', main(`print(stdin.toUpperCase())`), LIMITS);
      const [pid] = runner.childPids();
      process.kill(pid!, 'SIGKILL');
      // once the pool has seen it go (a run sent before that would die with it)
      while (runner.childPids().includes(pid!)) await new Promise((resolve) => setTimeout(resolve, 20));
      const r = await prog.run('rebuilt', LIMITS);
      expect(r.verdict).to.equal('ok');
      expect(r.stdout).to.equal('REBUILT\n');
      expect(runner.childPids()).to.have.length(1).and.not.include(pid);
    });

    it('gives time_limit and replaces the child when it stops answering altogether', async () => {
      const prog = await runner.prepare('javascript', main(`print('never')`), LIMITS);
      const [pid] = runner.childPids();
      process.kill(pid!, 'SIGSTOP');
      const limits = { ...LIMITS, timeMs: 100 };
      const r = await prog.run('', limits);
      expect(r.verdict).to.equal('time_limit');
      expect(r.timeMs).to.equal(limits.timeMs * 3 + 5000);
      expect(runner.childPids()).to.not.include(pid);
      expect((await prog.run('', LIMITS)).stdout).to.equal('never\n');
    });

    it('queues a program while the only child is busy, and runs it once that child is free', async () => {
      const slow = await runner.prepare('javascript', main(`const end = Date.now() + 300; while (Date.now() < end) {} print('slow')`), LIMITS);
      const quick = await runner.prepare('javascript', main(`print('quick')`), LIMITS);
      const [a, b] = await Promise.all([slow.run('', LIMITS), quick.run('', LIMITS)]);
      expect([a.stdout, b.stdout]).to.deep.equal(['slow\n', 'quick\n']);
      expect(runner.childPids()).to.have.length(1);
    });

    it('rejects a program waiting for a child when the pool closes, and every later one', async () => {
      const slow = await runner.prepare('javascript', main(`const end = Date.now() + 300; while (Date.now() < end) {} print('slow')`), LIMITS);
      const running = slow.run('', LIMITS);
      const waiting = failureOf(runner.prepare('javascript', main(`print('late')`), LIMITS));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await runner.close();
      expect((await waiting)?.message).to.equal('isolate pool closed');
      expect((await running).verdict).to.equal('internal_error');
      expect((await failureOf(runner.prepare('javascript', main(`print(1)`), LIMITS)))?.message).to.equal('isolate pool closed');
      runner.warm();
      expect(runner.childPids()).to.deep.equal([]);
    });
  });

  describe('with two children', () => {
    let runner: IsolatedVmRunner;
    beforeEach(() => (runner = new IsolatedVmRunner(2)));
    afterEach(() => runner.close());

    it('runs a prepared program on the other child while the one that compiled it is busy', async () => {
      const slow = await runner.prepare('javascript', main(`const end = Date.now() + 500; while (Date.now() < end) {} print('slow')`), LIMITS);
      const prog = await runner.prepare('javascript', main(`print('moved ' + stdin)`), LIMITS);
      expect(runner.childPids()).to.have.length(1);
      const busy = slow.run('', LIMITS);
      const moved = await prog.run('here', LIMITS);
      expect(moved.stdout).to.equal('moved here\n');
      expect(runner.childPids()).to.have.length(2);
      expect((await busy).stdout).to.equal('slow\n');
      // and back on the first child, which frees its stale copy first
      const [again, twice] = await Promise.all([slow.run('', LIMITS), prog.run('again', LIMITS)]);
      expect(again.stdout).to.equal('slow\n');
      expect(twice.stdout).to.equal('moved again\n');
    });
  });
});
