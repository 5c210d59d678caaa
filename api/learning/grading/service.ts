import type { Sequelize } from 'sequelize';
import { UnprocessableError, ValidationError } from '../../../common/errors';
import type { ReviewStatus } from '../../../common/models';
import { applyPenalty } from '../../../common/learning/late-policy';
import type { RealtimePublisher } from '../../../common/realtime/publisher';
import { announceGraded, appendGradeHistory } from './grade-history';
import type { Actor } from '../../access/classrooms';
import type { SubmissionService } from '../submissions/service';
import { submissionReviewed } from '../../../common/notifications/triggers';

export interface GradeInput {
  grade?: number;
  feedback?: string;
  status: ReviewStatus;
}

/**
 * Grading: the teacher gives the raw grade, the attempt's late penalty (fixed when it was handed in)
 * turns it into the grade, every grade is appended to the history, and the student hears at once.
 */
export class GradingService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly submissions: SubmissionService,
    private readonly realtime: RealtimePublisher,
  ) {}

  async grade(actor: Actor, submissionId: string, input: GradeInput, now = new Date()) {
    const graded = await this.sequelize.transaction(async (transaction) => {
      const s = await this.submissions.loadReviewable(actor, submissionId, transaction);
      if (input.grade === undefined && input.status === 'graded') {
        throw new ValidationError([{ field: 'grade', message: 'grade is required to grade', type: 'any.required' }]);
      }
      if (input.grade !== undefined && input.grade > s.assignment.maxPoints) {
        throw new UnprocessableError('GRADE_OUT_OF_RANGE', `The grade may not exceed ${s.assignment.maxPoints} points`, {
          field: 'grade',
          maxPoints: s.assignment.maxPoints,
        });
      }
      if (input.grade !== undefined) {
        s.rawGrade = input.grade;
        s.grade = applyPenalty(input.grade, s.assignment.maxPoints, s.penaltyPercent);
      }
      if (input.feedback !== undefined) s.feedback = input.feedback;
      s.status = input.status;
      s.gradedBy = actor.id;
      s.gradedAt = now;
      await s.save({ transaction });
      await appendGradeHistory(s, input.status, actor.id, now, transaction);
      await submissionReviewed(this.realtime, s, s.assignment.title, transaction);
      return s;
    });
    announceGraded(this.realtime, graded);
    return this.submissions.get(actor, graded.id);
  }
}
