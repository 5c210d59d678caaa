import type { Transaction } from 'sequelize';
import { Submission, SubmissionGrade, type ReviewStatus } from '../../../common/models';
import { rooms } from '../../../common/realtime/events';
import type { RealtimePublisher } from '../../../common/realtime/publisher';

/** Appends the submission's current grade and feedback to its history, as the reviewer left them. */
export async function appendGradeHistory(s: Submission, status: ReviewStatus, gradedBy: string, gradedAt: Date, transaction: Transaction) {
  await SubmissionGrade.create(
    {
      submissionId: s.id,
      grade: s.grade ?? null,
      rawGrade: s.rawGrade ?? null,
      penaltyPercent: s.penaltyPercent,
      feedback: s.feedback ?? null,
      status,
      gradedBy,
      gradedAt,
    },
    { transaction },
  );
}

/** Tells the student at once that their submission was graded or sent back. */
export function announceGraded(realtime: RealtimePublisher, s: Submission) {
  realtime.publish(rooms.user(s.studentId), 'submission:graded', {
    submissionId: s.id,
    assignmentId: s.assignmentId,
    grade: s.grade ?? null,
    status: s.status,
  });
}
