import { expect } from 'chai';
import { Job } from 'bullmq';
import { CodingSubmission, type CodingLanguage } from '../../common/models';
import { enqueue } from '../../common/queues';
import { app, apiDeps } from '../support/deps';
import { createSandbox } from '../../worker/sandbox';
import { makeTask, settled, startGradingWorker, submitDirect, SUM_PROGRAMS, testCase, type RunningWorker } from './helpers';

const sumTests = () => [
  testCase({ name: 'small', stdin: '1 2', expected: '3', points: 2 }),
  testCase({ name: 'many', stdin: '1 2 3 4 5', expected: '15', points: 3 }),
  // the reference programs print the sum, so this expected answer is wrong on purpose
  testCase({ name: 'rigged', stdin: '10', expected: '11', points: 5, visibility: 'hide' }),
];

describe('coding lab: grading', () => {
  before(() => {
    app();
  });

  describe('with the real sandbox', () => {
    let w: RunningWorker;
    before(async () => {
      w = await startGradingWorker();
    });
    after(async () => w?.close());

    const needs = (ctx: Mocha.Context, language: CodingLanguage) => {
      if (!w.sandbox.availableLanguages().includes(language)) {
        ctx.test!.title += ` (skipped: ${w.sandbox.unavailableReason(language) ?? 'no sandbox for it here'})`;
        ctx.skip();
      }
    };

    for (const language of ['javascript', 'python', 'c', 'cpp', 'java'] as const) {
      it(`grades ${language} end to end with partial credit and a verdict per test`, async function () {
        this.timeout(60_000); // javac alone takes seconds on a busy machine
        needs(this, language);
        const task = await makeTask({ tests: sumTests() });
        const s = await settled(await submitDirect(task, language, SUM_PROGRAMS[language]));
        expect(s).to.include({ status: 'completed', verdict: 'wrong_answer', score: 5, maxScore: 10 });
        expect(s.results.map((r) => r.verdict)).to.deep.equal(['accepted', 'accepted', 'wrong_answer']);
        expect(s.results[2]!.diff).to.include('Line 1: expected "11", got "10"');
        expect(s.results[0]!.stdout.trim()).to.equal('3');
        for (const r of s.results) expect(r.timeMs).to.be.a('number').and.at.least(0);
      });
    }

    it('scores all_or_nothing tasks zero when one test fails', async () => {
      const task = await makeTask({ tests: sumTests(), scoring: 'all_or_nothing' });
      const s = await settled(await submitDirect(task, 'javascript', SUM_PROGRAMS.javascript));
      expect(s).to.include({ verdict: 'wrong_answer', score: 0, maxScore: 10 });
    });

    it('accepts a correct program with full marks', async () => {
      const task = await makeTask({ tests: sumTests().slice(0, 2) });
      const s = await settled(await submitDirect(task, 'javascript', SUM_PROGRAMS.javascript));
      expect(s).to.include({ status: 'completed', verdict: 'accepted', score: 5, maxScore: 5 });
    });

    it('stops at the first failure when the task says so, skipping the rest', async () => {
      const tests = sumTests();
      const task = await makeTask({ tests: [tests[2]!, tests[0]!, tests[1]!], stopOnFirstFailure: true });
      const s = await settled(await submitDirect(task, 'javascript', SUM_PROGRAMS.javascript));
      expect(s.results.map((r) => r.verdict)).to.deep.equal(['wrong_answer', 'skipped', 'skipped']);
      expect(s.score).to.equal(0);
    });

    it('records a compile error as a result: job completed, never retried', async () => {
      const task = await makeTask({ tests: sumTests() });
      const id = await submitDirect(task, 'javascript', 'function (');
      const s = await settled(id);
      expect(s).to.include({ status: 'completed', verdict: 'compile_error', score: 0, starts: 1 });
      expect(s.compileOutput).to.match(/SyntaxError/);
      const job = await Job.fromId(apiDeps().queues.grading, id);
      expect(await job!.getState()).to.equal('completed');
      expect(job!.attemptsMade).to.be.at.most(1);
    });

    it('records a C compile error with the compiler’s message', async function () {
      needs(this, 'c');
      const task = await makeTask({ tests: sumTests() });
      const s = await settled(await submitDirect(task, 'c', 'int main(void) { return undefined_name; }'));
      expect(s).to.include({ status: 'completed', verdict: 'compile_error', starts: 1 });
      expect(s.compileOutput).to.include('undefined_name');
    });

    it('gives runtime_error to an uncaught exception and time_limit to an endless loop', async () => {
      const task = await makeTask({ tests: [testCase({ name: 'one', expected: '1' })], timeLimitMs: 300 });
      const crash = await settled(await submitDirect(task, 'javascript', 'throw new Error("boom")'));
      expect(crash.verdict).to.equal('runtime_error');
      const loop = await settled(await submitDirect(task, 'javascript', 'for (;;) {}'));
      expect(loop.verdict).to.equal('time_limit');
    });

    it('gives memory_limit, once and for good, to a program that exhausts the isolate’s memory', async () => {
      const task = await makeTask({ tests: [testCase({ name: 'hog', expected: '' })] });
      await task.update({ memoryLimitMb: 32 });
      const s = await settled(await submitDirect(task, 'javascript', 'const a = []; for (;;) a.push(new Array(1e6).fill(7));'));
      expect(s).to.include({ status: 'completed', verdict: 'memory_limit', starts: 1 });
    });

    it('grades a submission enqueued twice only once', async () => {
      const task = await makeTask({ tests: sumTests().slice(0, 1) });
      const id = await submitDirect(task, 'javascript', SUM_PROGRAMS.javascript);
      await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: id }, { jobId: id });
      const s = await settled(id);
      expect(s.starts).to.equal(1);
      // and once more after it finished: the retained job id keeps it from running again
      await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: id }, { jobId: id });
      await new Promise((r) => setTimeout(r, 300));
      expect((await CodingSubmission.findByPk(id))!.starts).to.equal(1);
    });
  });

  describe('when the sandbox itself fails', () => {
    // real runners, really failing: the Docker backend pointed at an engine that is not there
    const NO_ENGINE = 'unix:///nonexistent/gema-test/docker.sock';

    it('retries a sandbox that throws with backoff and then leaves the submission failed, visibly', async () => {
      const w = await startGradingWorker({ sandbox: createSandbox({ backend: 'docker', dockerHost: NO_ENGINE }) });
      try {
        const task = await makeTask({ tests: sumTests().slice(0, 1) });
        const id = await submitDirect(task, 'python', SUM_PROGRAMS.python);
        const s = await settled(id);
        expect(s).to.include({ status: 'failed', verdict: 'internal_error', starts: 0 });
        expect(s.error).to.match(/nonexistent|ENOENT|connect/);
        const job = await Job.fromId(apiDeps().queues.grading, id);
        expect(await job!.getState()).to.equal('failed');
        expect(job!.attemptsMade).to.equal(apiDeps().config.worker.jobAttempts);
      } finally {
        await w.sandbox.close();
        await w.close();
      }
    });

    it('gives internal_error at once, without retrying, for a language no sandbox here can run', async () => {
      const w = await startGradingWorker({ sandbox: createSandbox({ backend: 'docker', dockerHost: NO_ENGINE, dockerImages: {} }) });
      try {
        const task = await makeTask({ tests: sumTests().slice(0, 1) });
        const s = await settled(await submitDirect(task, 'java', SUM_PROGRAMS.java));
        expect(s).to.include({ status: 'completed', verdict: 'internal_error', starts: 1 });
        expect(s.error).to.include('java');
      } finally {
        await w.sandbox.close();
        await w.close();
      }
    });
  });
});
