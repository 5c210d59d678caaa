import { CodingSubmission } from '../../common/models';
import { NotFoundError } from '../../common/errors';
import { teaches, type Actor } from '../access/classrooms';

/**
 * Who may read a coding submission: its author, a teacher of the classroom it was made in, and
 * admins. Everyone else is told it does not exist. Other features (AI evaluation, realtime rooms)
 * call this, so its name and shape stay stable.
 */
export const CodingSubmissionService = {
  async mayRead(user: Actor, submission: Pick<CodingSubmission, 'userId' | 'classroomId'>): Promise<boolean> {
    if (user.role === 'admin' || submission.userId === user.id) return true;
    return user.role === 'teacher' && teaches(user.id, submission.classroomId);
  },

  /** The submission if `user` may read it; `NotFoundError` otherwise (also for a malformed id). */
  async findReadable(user: Actor, id: string): Promise<CodingSubmission> {
    const submission = isUuid(id) ? await CodingSubmission.findByPk(id) : null;
    if (!submission || !(await CodingSubmissionService.mayRead(user, submission))) {
      throw new NotFoundError('Submission');
    }
    return submission;
  },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);
