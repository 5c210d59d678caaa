import type { Sequelize } from 'sequelize';
import type { Logger } from '../../common/logger';
import { enqueue, type Queues } from '../../common/queues';
import { gradingJobId, runJobId } from '../../common/grading/job-ids';
import type { SubmissionGrader } from './grade-submission';
import { failPlayground } from './run-playground';

export interface SweepReport {
  requeued: number;
  failed: number;
}

interface PendingRow {
  id: string;
  job_id: string | null;
  rejudge_id: string | null;
}

/**
 * Reconciles the database with the queue: a submission the database shows as queued or running
 * for longer than `staleAfterMs` whose job is gone (enqueue lost, Redis flushed) or finished
 * without completing it is enqueued again; one whose job failed for good ends `failed`. Jobs still
 * waiting or active are left alone: stalled-job recovery handles a dead worker's active job.
 */
export async function sweepGrading(
  ctx: { sequelize: Sequelize; queues: Queues; logger: Logger; grader: SubmissionGrader },
  staleAfterMs: number,
): Promise<SweepReport> {
  const report: SweepReport = { requeued: 0, failed: 0 };
  const [rows] = (await ctx.sequelize.query(
    `SELECT id, job_id, rejudge_id FROM coding_submissions
      WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => :seconds)
      ORDER BY updated_at LIMIT 500`,
    { replacements: { seconds: staleAfterMs / 1000 } },
  )) as [PendingRow[], unknown];
  for (const row of rows) {
    const jobId = row.job_id ?? gradingJobId(row.id, row.rejudge_id ?? undefined);
    const job = await ctx.queues.grading.getJob(jobId);
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed') {
      await ctx.grader.fail(row.id, job?.failedReason || 'grading failed');
      report.failed++;
      continue;
    }
    if (state !== 'missing' && state !== 'completed' && state !== 'unknown') continue;
    if (job) await job.remove().catch(() => undefined);
    await enqueue(
      ctx.queues,
      'grading',
      { kind: 'submission', submissionId: row.id, ...(row.rejudge_id ? { rejudgeId: row.rejudge_id } : {}) },
      { jobId },
    );
    // touch the row so the next sweep gives the new job time before looking again
    await ctx.sequelize.query(`UPDATE coding_submissions SET updated_at = now() WHERE id = :id`, { replacements: { id: row.id } });
    report.requeued++;
    ctx.logger.warn('sweep re-enqueued a stuck submission', { submissionId: row.id, jobState: state });
  }

  // playground runs are not worth re-running late: the caller has long stopped waiting
  const [runs] = (await ctx.sequelize.query(
    `SELECT id FROM coding_runs WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => :seconds)
      LIMIT 500`,
    { replacements: { seconds: (staleAfterMs * 10) / 1000 } },
  )) as [{ id: string }[], unknown];
  for (const run of runs) {
    const job = await ctx.queues.grading.getJob(runJobId(run.id));
    const state = job ? await job.getState() : 'missing';
    if (['missing', 'completed', 'failed', 'unknown'].includes(state)) {
      await failPlayground(run.id, 'the run was lost');
      report.failed++;
    }
  }
  return report;
}
