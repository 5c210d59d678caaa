import type { Transaction } from 'sequelize';
import type { RealtimePublisher } from '../realtime/publisher';
import { notifyUsers, type NotificationInput } from './create';
import { enqueueFanout } from './fanout';
import type { Queues } from '../queues';

/**
 * The events that notify one or two known users, each making exactly one notification per event
 * (the dedupe key names the event). Audiences of a whole classroom or school go through the
 * `notifications` queue instead (common/notifications/fanout.ts).
 */

type Reviewed = { id: string; studentId: string; assignmentId: string; status: string; grade?: number | null; gradedAt?: Date | null };

const REVIEW = {
  graded: { type: 'submission.graded', title: (t: string) => `Graded: ${t}` },
  returned: { type: 'submission.returned', title: (t: string) => `Returned: ${t}` },
  needs_revision: { type: 'submission.needs_revision', title: (t: string) => `Revision requested: ${t}` },
} as const;

/** A teacher graded, returned or asked to revise a submission: its student hears. */
export async function submissionReviewed(realtime: RealtimePublisher, s: Reviewed, assignmentTitle: string, transaction?: Transaction) {
  const kind = REVIEW[s.status as keyof typeof REVIEW];
  if (!kind) return;
  const at = (s.gradedAt ?? new Date()).getTime();
  await notifyUsers(
    realtime,
    [s.studentId],
    {
      type: kind.type,
      title: kind.title(assignmentTitle),
      body: s.status === 'graded' && s.grade !== null && s.grade !== undefined ? `Grade: ${s.grade}` : '',
      link: `/submissions/${s.id}`,
      data: { submissionId: s.id, assignmentId: s.assignmentId, status: s.status, grade: s.grade ?? null },
      dedupeKey: `review:${s.id}:${at}`,
    },
    transaction,
  );
}

type Graded = { submissionId: string; userId: string; verdict: string; score: number; maxScore: number; rejudgeId?: string | null };

/**
 * The notification of a graded coding-lab submission (a rejudge counts as its own event). The worker
 * writes it in the grade's own statement (worker/grading/grade-submission.ts); `codingGraded` alone.
 */
export function codingGradedNotice(g: Graded): NotificationInput {
  return {
    type: 'coding.graded',
    title: g.rejudgeId ? 'Your submission was regraded' : 'Your submission was graded',
    body: `${g.verdict.replace(/_/g, ' ')}: ${g.score}/${g.maxScore}`,
    link: `/coding-lab/submissions/${g.submissionId}`,
    data: { submissionId: g.submissionId, verdict: g.verdict, score: g.score, maxScore: g.maxScore },
    dedupeKey: `coding:${g.submissionId}:${g.rejudgeId ?? 'first'}`,
  };
}

/** A coding-lab submission was graded: its author hears (`codingGradedNotice`). */
export async function codingGraded(realtime: RealtimePublisher, g: Graded) {
  await notifyUsers(realtime, [g.userId], codingGradedNotice(g));
}

/** An AI evaluation ended (completed or failed): the author and whoever asked for it hear. */
export async function aiEvaluated(realtime: RealtimePublisher, e: { evaluationId: string; submissionId: string; status: string; userIds: string[] }) {
  await notifyUsers(realtime, e.userIds, {
    type: 'ai.evaluated',
    title: e.status === 'completed' ? 'AI feedback is ready' : 'AI feedback could not be produced',
    link: `/coding-lab/submissions/${e.submissionId}`,
    data: { evaluationId: e.evaluationId, submissionId: e.submissionId, status: e.status },
    dedupeKey: `ai:${e.evaluationId}:${e.status}`,
  });
}

/**
 * An assignment became published: its classroom's students (every student, for an assignment of every
 * classroom) hear, through a fan-out job. Publishing it again after a trip back to draft notifies nobody
 * twice (the dedupe key names the assignment, the job id too).
 */
export async function assignmentPublished(queues: Queues, a: { id: string; title: string; classroomId: string | null; dueAt: Date }) {
  await enqueueFanout(
    queues,
    a.classroomId ? { kind: 'classroom', classroomId: a.classroomId } : { kind: 'school', roles: ['student'] },
    {
      type: 'assignment.published',
      title: `New assignment: ${a.title}`,
      body: `Due ${a.dueAt.toISOString()}`,
      link: `/assignments/${a.id}`,
      data: { assignmentId: a.id, dueAt: a.dueAt.toISOString() },
      dedupeKey: `published:${a.id}`,
    },
    `published-${a.id}`,
  );
}

/**
 * An announcement became visible (at once or at its publish date, README.md#announcements): a
 * school-wide one reaches everyone, a classroom's its students and teachers, through a fan-out job.
 * The dedupe key names the announcement, so a retried publish notifies nobody twice.
 */
export async function announcementPublished(queues: Queues, a: { id: string; title: string; excerpt: string | null; classroomId: string | null }) {
  await enqueueFanout(
    queues,
    a.classroomId ? { kind: 'classroom', classroomId: a.classroomId, teachers: true } : { kind: 'school' },
    {
      type: 'announcement',
      title: a.title,
      ...(a.excerpt ? { body: a.excerpt } : {}),
      link: `/announcements/${a.id}`,
      data: { announcementId: a.id },
      dedupeKey: `announcement:${a.id}`,
    },
    `announcement-${a.id}`,
  );
}
