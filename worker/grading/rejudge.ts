import type { Sequelize } from 'sequelize';
import type { Queues } from '../../common/queues';
import { gradingJobId } from '../../common/grading/job-ids';
import { invalidateAllStudents } from '../../common/learning/student-cache-versions';
import { rooms } from '../../common/realtime/events';
import type { RealtimePublisher } from '../../common/realtime/publisher';

interface RejudgeContext {
  sequelize: Sequelize;
  realtime: RealtimePublisher;
}

interface ProgressRow {
  id: string;
  requested_by: string | null;
  done: number;
  total: number;
}

function publishProgress(realtime: RealtimePublisher, row: ProgressRow): void {
  const targets = [rooms.rejudge(row.id), ...(row.requested_by ? [rooms.user(row.requested_by)] : [])];
  realtime.publish(targets, 'rejudge:progress', { rejudgeId: row.id, done: row.done, total: row.total });
}

/** Counts one re-graded submission; the rejudge completes with its last one. */
export async function finishRejudgeStep(ctx: RejudgeContext, rejudgeId: string): Promise<void> {
  const [rows] = (await ctx.sequelize.query(
    `UPDATE coding_rejudges
        SET done = LEAST(done + 1, total),
            status = CASE WHEN done + 1 >= total THEN 'completed' ELSE 'running' END,
            finished_at = CASE WHEN done + 1 >= total THEN now() ELSE NULL END,
            updated_at = now()
      WHERE id = :rejudgeId AND status = 'running'
      RETURNING id, requested_by, done, total`,
    { replacements: { rejudgeId } },
  )) as [ProgressRow[], unknown];
  if (rows[0]) publishProgress(ctx.realtime, rows[0]);
}

/**
 * The bulk step of a rejudge: every student's latest finished submission of the task goes back to
 * `queued` under this rejudge, in one transaction, then each gets its own grading job. Run again
 * after a crash, it only re-enqueues (the job ids make that idempotent).
 */
export async function startRejudge(ctx: RejudgeContext & { queues: Queues }, rejudgeId: string): Promise<{ total: number }> {
  const claimed = await ctx.sequelize.transaction(async (transaction) => {
    const [rows] = (await ctx.sequelize.query(
      `UPDATE coding_rejudges SET status = 'running', updated_at = now()
        WHERE id = :rejudgeId AND status = 'queued' RETURNING task_id`,
      { replacements: { rejudgeId }, transaction },
    )) as [{ task_id: string }[], unknown];
    const taskId = rows[0]?.task_id;
    if (!taskId) return false;
    const [latest] = (await ctx.sequelize.query(
      `SELECT DISTINCT ON (user_id) id, status FROM coding_submissions
        WHERE task_id = :taskId ORDER BY user_id, created_at DESC, id DESC`,
      { replacements: { taskId }, transaction },
    )) as [{ id: string; status: string }[], unknown];
    const ids = latest.filter((s) => s.status === 'completed' || s.status === 'failed').map((s) => s.id);
    // job ids come from the one helper (common/grading/job-ids.ts); the status is checked again in the
    // UPDATE so a submission that started grading since the SELECT is left alone
    const [picked] = ids.length
      ? ((await ctx.sequelize.query(
          `UPDATE coding_submissions s
              SET status = 'queued', verdict = NULL, score = 0, results = '[]', compile_output = NULL, error = NULL,
                  rejudge_id = :rejudgeId, job_id = v.job_id, grading_token = NULL,
                  starts = 0, runner_crashes = 0, queued_at = now(), started_at = NULL, finished_at = NULL, updated_at = now()
             FROM unnest(ARRAY[:ids]::uuid[], ARRAY[:jobIds]::text[]) AS v(id, job_id)
            WHERE s.id = v.id AND s.status IN ('completed', 'failed')
            RETURNING s.id`,
          { replacements: { rejudgeId, ids, jobIds: ids.map((id) => gradingJobId(id, rejudgeId)) }, transaction },
        )) as [{ id: string }[], unknown])
      : [[]];
    const total = picked.length;
    // verdicts go back to none: solved counts on every affected dashboard change
    if (total) await invalidateAllStudents(transaction);
    await ctx.sequelize.query(
      `UPDATE coding_rejudges SET total = :total, done = 0,
              status = CASE WHEN :total = 0 THEN 'completed' ELSE 'running' END,
              finished_at = CASE WHEN :total = 0 THEN now() ELSE NULL END
        WHERE id = :rejudgeId`,
      { replacements: { total, rejudgeId }, transaction },
    );
    return true;
  });

  const [pending] = (await ctx.sequelize.query(`SELECT id FROM coding_submissions WHERE rejudge_id = :rejudgeId AND status = 'queued'`, {
    replacements: { rejudgeId },
  })) as [{ id: string }[], unknown];
  await ctx.queues.grading.addBulk(
    pending.map((s) => ({
      name: 'grading',
      data: { kind: 'submission' as const, submissionId: s.id, rejudgeId },
      opts: { jobId: gradingJobId(s.id, rejudgeId) },
    })),
  );
  const [progress] = (await ctx.sequelize.query(`SELECT id, requested_by, done, total FROM coding_rejudges WHERE id = :rejudgeId`, {
    replacements: { rejudgeId },
  })) as [ProgressRow[], unknown];
  if (claimed && progress[0]) publishProgress(ctx.realtime, progress[0]);
  return { total: progress[0]?.total ?? 0 };
}

export async function failRejudge(sequelize: Sequelize, rejudgeId: string): Promise<void> {
  await sequelize.query(
    `UPDATE coding_rejudges SET status = 'failed', finished_at = now(), updated_at = now()
      WHERE id = :rejudgeId AND status IN ('queued', 'running')`,
    { replacements: { rejudgeId } },
  );
}
