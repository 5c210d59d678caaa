import { CodingRun, type RunOutcome } from '../../common/models';
import type { Limits, Sandbox } from '../sandbox';

/** The playground's limits: the task defaults, since a run belongs to no task. */
export const PLAYGROUND_LIMITS: Limits = { timeMs: 2000, memoryMb: 128, outputKeepBytes: 64 * 1024 };

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
export async function runPlayground(sandbox: Pick<Sandbox, 'runnerFor'>, runId: string): Promise<RunOutcome['verdict'] | 'skipped'> {
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
    const r = await program.run(run.stdin, PLAYGROUND_LIMITS);
    const result: RunOutcome = {
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
    await run.update({ status: 'completed', compileOutput: program.compile.output || null, result, finishedAt: new Date() });
    return r.verdict;
  } finally {
    await program.dispose().catch(() => undefined);
  }
}

export async function failPlayground(runId: string, message: string): Promise<void> {
  await CodingRun.update(
    { status: 'failed', error: message.slice(0, 2000), finishedAt: new Date() },
    { where: { id: runId, status: ['queued', 'running'] } },
  );
}
