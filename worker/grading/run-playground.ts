import { CodingRun, CodingTask, CodingTestCase, type RunOutcome, type SampleResult, type TestVerdict } from '../../common/models';
import type { Limits, PreparedProgram, RunResult, Sandbox } from '../sandbox';
import { judge } from './grade-submission';
import { TASK_LIMITS } from '../../common/grading';

/** The playground's limits: the task defaults, since a run belongs to no task. */
export const PLAYGROUND_LIMITS: Limits = { timeMs: TASK_LIMITS.timeMs.default, memoryMb: TASK_LIMITS.memoryMb.default, outputKeepBytes: 64 * 1024 };

const emptyOutcome = (verdict: RunOutcome['verdict'], stderr = ''): RunOutcome => ({
  verdict,
  stdout: '',
  stderr,
  stdoutTruncated: false,
  stderrTruncated: false,
  exitCode: null,
  signal: null,
  timeMs: 0,
  memoryKb: 0,
});

/** Runs a playground program once against its stdin. Failures of our side throw (and are retried). */
export async function runPlayground(sandbox: Pick<Sandbox, 'runnerFor'>, runId: string): Promise<RunOutcome['verdict'] | TestVerdict | 'skipped'> {
  const run = await CodingRun.findByPk(runId);
  if (!run || run.status === 'completed' || run.status === 'failed') return 'skipped';
  await run.update({ status: 'running' });
  let runner;
  try {
    runner = sandbox.runnerFor(run.language);
  } catch (err) {
    await run.update({ status: 'completed', result: emptyOutcome('internal_error', (err as Error).message), finishedAt: new Date() });
    return 'internal_error';
  }
  const program = await runner.prepare(run.language, run.files, PLAYGROUND_LIMITS);
  try {
    if (!program.compile.ok) {
      await run.update({
        status: 'completed',
        compileOutput: program.compile.output,
        result: emptyOutcome('compile_error'),
        finishedAt: new Date(),
      });
      return 'compile_error';
    }
    if (run.taskId) {
      const sampleResults = await runSamples(program, run.taskId);
      await run.update({ status: 'completed', compileOutput: program.compile.output || null, sampleResults, finishedAt: new Date() });
      return sampleResults.find((r) => r.verdict !== 'accepted')?.verdict ?? 'accepted';
    }
    const r = await program.run(run.stdin, PLAYGROUND_LIMITS);
    await run.update({ status: 'completed', compileOutput: program.compile.output || null, result: outcome(r), finishedAt: new Date() });
    return r.verdict;
  } finally {
    await program.dispose().catch(() => undefined);
  }
}

function outcome(r: RunResult): RunOutcome {
  return {
    verdict: r.verdict,
    stdout: r.stdout,
    stderr: r.stderr,
    stdoutTruncated: r.stdoutTruncated,
    stderrTruncated: r.stderrTruncated,
    exitCode: r.exitCode,
    signal: r.signal,
    timeMs: Math.round(r.timeMs),
    memoryKb: Math.round(r.memoryKb),
  };
}

/**
 * "Run samples": the program against each sample test students see, with the task's limits, compared
 * as grading compares, and nothing scored or stored on a submission.
 */
async function runSamples(program: PreparedProgram, taskId: string): Promise<SampleResult[]> {
  const task = await CodingTask.findByPk(taskId, { paranoid: false });
  if (!task) return [];
  const samples = await CodingTestCase.findAll({ where: { taskId, sample: true, visibility: 'show' }, order: [['position', 'ASC']] });
  const limits: Limits = { timeMs: task.timeLimitMs, memoryMb: task.memoryLimitMb, outputKeepBytes: PLAYGROUND_LIMITS.outputKeepBytes };
  const results: SampleResult[] = [];
  for (const test of samples) {
    const r = await program.run(test.stdin, limits);
    const judged = judge(test, r);
    results.push({
      ...outcome(r),
      testId: test.id,
      name: test.name,
      stdin: test.stdin,
      expected: test.expected,
      verdict: judged.verdict,
      diff: judged.diff,
    });
  }
  return results;
}

export async function failPlayground(runId: string, message: string): Promise<void> {
  await CodingRun.update(
    { status: 'failed', error: message.slice(0, 2000), finishedAt: new Date() },
    { where: { id: runId, status: ['queued', 'running'] } },
  );
}
