import crypto from 'node:crypto';
import type { Sequelize } from 'sequelize';
import {
  type CodingTestCase,
  type CodeFile,
  type CodingLanguage,
  type JobStatus,
  type ScoringMode,
  type TestResult,
  type TestVerdict,
  type Verdict,
} from '../../common/models';
import { compareOutput } from '../../common/grading/compare';
import type { Logger } from '../../common/logger';
import type { RealtimePublisher } from '../../common/realtime/publisher';
import type { FigureBuckets } from '../../common/grading/coarse-figures';
import type { Limits, PreparedProgram, RunResult, Sandbox } from '../sandbox';
import type { TestRun } from '../sandbox/types';
import { GradingEvents, type Audience } from './events';
import { scoreResults } from './scoring';
import { finishRejudgeStep } from './rejudge';
import { codingGradedNotice } from '../../common/notifications/triggers';
import { notificationInsertSql, notificationMessages, notificationReplacements, type InsertedNotification } from '../../common/notifications/create';

export interface GradingContext {
  sequelize: Sequelize;
  realtime: RealtimePublisher;
  logger: Logger;
  sandbox: Pick<Sandbox, 'runnerFor'>;
  /** how coarsely students see hidden tests' figures in live events (config.sandbox.hiddenFigures) */
  hiddenFigures: FigureBuckets;
}

/** A submission whose grading vanished mid-way (worker killed) this many times ends with `internal_error`. */
export const MAX_GRADING_STARTS = 3;
/** A submission whose runner dies this many times gets `internal_error` for that test, no more retries. */
export const MAX_RUNNER_CRASHES = 2;

/** Thrown for a failure on our side worth another attempt (BullMQ retries it with backoff). */
export class RetryableGradingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableGradingError';
  }
}

export type GradeOutcome =
  | { outcome: 'graded'; verdict: Verdict; score: number; maxScore: number }
  /** already finished, or another attempt took over: nothing written */
  | { outcome: 'skipped' | 'superseded' };

interface ClaimedRow {
  id: string;
  task_id: string;
  user_id: string;
  classroom_id: string | null;
  language: CodingLanguage;
  files: CodeFile[];
  starts: number;
  rejudge_id: string | null;
  author_role: string | null;
  /** the task as grading needs it, read in the same statement (null: the row is gone) */
  task: GradingTask | null;
  /** its tests in order */
  tests: GradingTest[];
}

interface GradingTask {
  timeLimitMs: number;
  memoryLimitMb: number;
  scoring: ScoringMode;
  stopOnFirstFailure: boolean;
}

/** the columns of a test case that grading reads */
export type GradingTest = Pick<
  CodingTestCase,
  'id' | 'name' | 'stdin' | 'expected' | 'comparison' | 'tolerance' | 'points' | 'visibility' | 'sample'
>;

interface Final {
  status: JobStatus;
  verdict: Verdict;
  score: number;
  maxScore: number;
  results: TestResult[];
  compileOutput: string | null;
  error: string | null;
}

const KEEP_BYTES = 64 * 1024;

export class SubmissionGrader {
  constructor(private readonly ctx: GradingContext) {}

  /**
   * Takes the submission for this attempt: a fresh token that the final write must still find, so
   * an attempt that stalled and came back after another one took over cannot write twice. The task
   * and its tests come back in the same round trip (deleted tasks too: the submission was accepted
   * while the task existed), as plain JSON rather than model instances.
   */
  private async claim(submissionId: string, rejudgeId: string | null, token: string): Promise<ClaimedRow | undefined> {
    const [rows] = (await this.ctx.sequelize.query(
      `UPDATE coding_submissions
          SET status = 'running', grading_token = :token, starts = starts + 1, started_at = now(), updated_at = now()
        WHERE id = :submissionId AND status IN ('queued', 'running')
          AND rejudge_id IS NOT DISTINCT FROM CAST(:rejudgeId AS uuid)
        RETURNING id, task_id, user_id, classroom_id, language, files, starts, rejudge_id,
                  (SELECT role FROM users WHERE users.id = coding_submissions.user_id) AS author_role,
                  (SELECT json_build_object('timeLimitMs', t.time_limit_ms, 'memoryLimitMb', t.memory_limit_mb,
                                            'scoring', t.scoring, 'stopOnFirstFailure', t.stop_on_first_failure)
                     FROM coding_tasks t WHERE t.id = coding_submissions.task_id) AS task,
                  COALESCE((SELECT json_agg(json_build_object('id', c.id, 'name', c.name, 'stdin', c.stdin, 'expected', c.expected,
                                                              'comparison', c.comparison, 'tolerance', c.tolerance, 'points', c.points,
                                                              'visibility', c.visibility, 'sample', c.sample) ORDER BY c.position)
                              FROM coding_test_cases c WHERE c.task_id = coding_submissions.task_id), '[]'::json) AS tests`,
      { replacements: { token, submissionId, rejudgeId } },
    )) as [ClaimedRow[], unknown];
    return rows[0];
  }

  /**
   * The one write that completes a submission, and its author's `coding.graded` notification in the
   * same statement (one round trip; the INSERT reads the UPDATE's row, so no notification without the
   * grade, and its dedupe key keeps it to one per grading). Undefined when another attempt holds the
   * submission now; otherwise the notification made (none when the author already had this one).
   */
  private async finish(row: ClaimedRow, token: string, f: Final): Promise<{ notice: InsertedNotification[] } | undefined> {
    const notice = codingGradedNotice({ submissionId: row.id, userId: row.user_id, ...f, rejudgeId: row.rejudge_id });
    const [rows] = (await this.ctx.sequelize.query(
      `WITH done AS (
         UPDATE coding_submissions
            SET status = :status, verdict = :verdict, score = :score, max_score = :maxScore,
                results = CAST(:results AS jsonb), compile_output = :compileOutput, error = :error,
                finished_at = now(), updated_at = now(), grading_token = NULL
          WHERE id = :id AND grading_token = :token AND status = 'running'
          RETURNING user_id AS u
       ), notice AS (
         ${notificationInsertSql('done')}
       )
       SELECT EXISTS (SELECT 1 FROM done) AS finished, notice.* FROM (SELECT 1) AS one LEFT JOIN notice ON true`,
      { replacements: { ...f, results: JSON.stringify(f.results), id: row.id, token, ...notificationReplacements(notice) } },
    )) as [Array<{ finished: boolean } & ({ id: null } | InsertedNotification)>, unknown];
    if (!rows[0]?.finished) return undefined;
    return { notice: rows.filter((r): r is { finished: boolean } & InsertedNotification => r.id !== null) };
  }

  private async countCrash(id: string, token: string): Promise<number> {
    const [rows] = (await this.ctx.sequelize.query(
      `UPDATE coding_submissions SET runner_crashes = runner_crashes + 1, updated_at = now()
        WHERE id = :id AND grading_token = :token RETURNING runner_crashes`,
      { replacements: { id, token } },
    )) as [{ runner_crashes: number }[], unknown];
    return rows[0]?.runner_crashes ?? MAX_RUNNER_CRASHES;
  }

  async grade(submissionId: string, rejudgeId: string | null = null): Promise<GradeOutcome> {
    const token = crypto.randomUUID();
    const row = await this.claim(submissionId, rejudgeId, token);
    if (!row) return { outcome: 'skipped' };
    try {
      return await this.gradeClaimed(row, token);
    } catch (err) {
      // a failure BullMQ will retry is not an interruption: hand the start back, so only attempts
      // that vanished (a killed worker) count towards MAX_GRADING_STARTS
      await this.ctx.sequelize.query(
        `UPDATE coding_submissions SET status = 'queued', starts = starts - 1, grading_token = NULL, updated_at = now()
          WHERE id = :id AND grading_token = :token`,
        { replacements: { id: row.id, token } },
      );
      throw err;
    }
  }

  private async gradeClaimed(row: ClaimedRow, token: string): Promise<GradeOutcome> {
    const audience: Audience = {
      submissionId: row.id,
      userId: row.user_id,
      classroomId: row.classroom_id,
      authorIsStaff: row.author_role === 'teacher' || row.author_role === 'admin',
    };
    const events = new GradingEvents(this.ctx.realtime, audience, this.ctx.hiddenFigures);
    const complete = async (f: Final): Promise<GradeOutcome> => {
      const done = await this.finish(row, token, f);
      if (!done) return { outcome: 'superseded' };
      const { events: noticeEvents, payloads } = notificationMessages(
        done.notice,
        codingGradedNotice({ submissionId: row.id, userId: row.user_id, ...f, rejudgeId: row.rejudge_id }),
      );
      // one Redis write: the dashboard's version INCR (solved tasks, unread count) ahead of the events,
      // then `grading:completed`, the graded notification's `notification:new` and its SSE log append
      events.completed(f.verdict, f.score, f.maxScore, {
        bumpStudents: [row.user_id],
        then: noticeEvents,
        after: (pipeline) => this.ctx.realtime.streams.appendOn(pipeline, 'notifications', [...payloads.keys()], 'notification', {}, payloads),
      });
      if (row.rejudge_id) await finishRejudgeStep(this.ctx, row.rejudge_id);
      return { outcome: 'graded', verdict: f.verdict, score: f.score, maxScore: f.maxScore };
    };
    const failure = (error: string, maxScore = 0): Final => ({
      status: 'completed',
      verdict: 'internal_error',
      score: 0,
      maxScore,
      results: [],
      compileOutput: null,
      error,
    });

    const { task, tests } = row;
    if (!task) return complete(failure('the task no longer exists'));
    const maxScore = tests.reduce((sum, t) => sum + t.points, 0);
    if (row.starts > MAX_GRADING_STARTS) {
      return complete(failure(`grading was interrupted ${row.starts - 1} times`, maxScore));
    }

    let runner;
    try {
      runner = this.ctx.sandbox.runnerFor(row.language);
    } catch (err) {
      return complete(failure((err as Error).message, maxScore));
    }
    events.started(tests.length);
    const limits: Limits = { timeMs: task.timeLimitMs, memoryMb: task.memoryLimitMb, outputKeepBytes: KEEP_BYTES };
    // every test in one go where the backend can (one message to a runner child per submission, the
    // syntax check included, instead of one per test); it stops where the judging below stops
    const batchTests: TestRun[] = tests.map((t) => ({
      stdin: t.stdin,
      ...(task.stopOnFirstFailure ? { stopUnless: { expected: t.expected, comparison: t.comparison, tolerance: t.tolerance } } : {}),
    }));
    // a throw here is the sandbox failing, not the code: retried with backoff
    // submissions of one task may share a warm sandbox, one after the other (README.md "A warm sandbox per task")
    const program: PreparedProgram = await runner.prepare(row.language, row.files, limits, { reuseKey: `task:${row.task_id}`, tests: batchTests });
    try {
      if (!program.compile.ok) {
        return await complete({
          status: 'completed',
          verdict: 'compile_error',
          score: 0,
          maxScore,
          results: [],
          compileOutput: program.compile.output,
          error: null,
        });
      }
      const results: TestResult[] = [];
      let stopped = false;
      let crashes = 0;
      const runs = program.runAll?.(batchTests, limits);
      const batch = runs?.[Symbol.asyncIterator]();
      for (const [index, test] of tests.entries()) {
        let result: TestResult;
        if (stopped) {
          result = testResult(index, test, 'skipped', null, null);
        } else {
          const next = await batch?.next();
          const run = next && !next.done ? next.value : await program.run(test.stdin, limits);
          if (run.verdict === 'internal_error') {
            // once the runner has died MAX_RUNNER_CRASHES times, further tests of this attempt get
            // internal_error without counting on (the count decides retries, and there are none left)
            crashes = crashes >= MAX_RUNNER_CRASHES ? crashes : await this.countCrash(row.id, token);
            this.ctx.logger.warn('runner failed during a test', { submissionId: row.id, test: index, crashes, message: run.message });
            if (crashes < MAX_RUNNER_CRASHES) throw new RetryableGradingError(`runner failed: ${run.message ?? 'unknown'}`);
          }
          const judged = judge(test, run);
          result = testResult(index, test, judged.verdict, run, judged.diff);
          if (judged.verdict !== 'accepted' && task.stopOnFirstFailure) stopped = true;
        }
        results.push(result);
        events.test(result);
      }
      const score = scoreResults(results, task.scoring);
      return await complete({
        status: 'completed',
        ...score,
        results,
        compileOutput: program.compile.output || null,
        error: null,
      });
    } finally {
      await program.dispose().catch((err: Error) => this.ctx.logger.warn('dispose failed', { error: err.message }));
    }
  }

  /** After the last attempt failed: the submission ends `failed` with `internal_error`, visibly. */
  async fail(submissionId: string, message: string): Promise<void> {
    const [rows] = (await this.ctx.sequelize.query(
      `UPDATE coding_submissions
          SET status = 'failed', verdict = 'internal_error', error = :message, finished_at = now(),
              updated_at = now(), grading_token = NULL
        WHERE id = :submissionId AND status IN ('queued', 'running')
        RETURNING id, user_id, classroom_id, max_score, rejudge_id`,
      { replacements: { submissionId, message: message.slice(0, 2000) } },
    )) as [{ id: string; user_id: string; classroom_id: string | null; max_score: number; rejudge_id: string | null }[], unknown];
    const row = rows[0];
    if (!row) return;
    new GradingEvents(
      this.ctx.realtime,
      { submissionId: row.id, userId: row.user_id, classroomId: row.classroom_id },
      this.ctx.hiddenFigures,
    ).completed('internal_error', 0, row.max_score);
    if (row.rejudge_id) await finishRejudgeStep(this.ctx, row.rejudge_id);
  }
}

/** A test's verdict from how the program ran and what it printed. */
export function judge(
  test: Pick<CodingTestCase, 'expected' | 'comparison' | 'tolerance'>,
  run: RunResult,
): { verdict: TestVerdict; diff: string | null } {
  if (run.verdict !== 'ok') return { verdict: run.verdict, diff: null };
  const outcome = compareOutput(test.expected, run.stdout, { comparison: test.comparison, tolerance: test.tolerance });
  return { verdict: outcome.ok ? 'accepted' : 'wrong_answer', diff: outcome.diff };
}

function testResult(index: number, test: GradingTest, verdict: TestVerdict, run: RunResult | null, diff: string | null): TestResult {
  return {
    index,
    testId: test.id,
    name: test.name,
    visibility: test.visibility,
    sample: test.sample,
    verdict,
    points: test.points,
    earned: verdict === 'accepted' ? test.points : 0,
    timeMs: Math.round(run?.timeMs ?? 0),
    memoryKb: Math.round(run?.memoryKb ?? 0),
    exitCode: run?.exitCode ?? null,
    signal: run?.signal ?? null,
    stdout: clip(run?.stdout ?? ''),
    stderr: clip(run?.stderr ?? ''),
    stdoutTruncated: run?.stdoutTruncated ?? false,
    stderrTruncated: run?.stderrTruncated ?? false,
    diff,
  };
}

/** The runners already cap output; this keeps the stored result bounded whatever a backend does. */
function clip(s: string): string {
  return Buffer.byteLength(s) <= KEEP_BYTES ? s : Buffer.from(s).subarray(0, KEEP_BYTES).toString('utf8');
}
