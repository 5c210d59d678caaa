import { rooms } from '../../common/realtime/events';
import type { RoomAuthorizer } from '../realtime/socket-server';
import { CodingSubmissionService } from './submission-access';
import { CodingRejudgeService } from './rejudge-service';

const allowedUnlessNotFound = async (check: () => Promise<unknown>): Promise<boolean> => {
  try {
    await check();
    return true;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
};

/**
 * `submission:<id>`: whoever may read the submission. Teachers and admins who may read it join its
 * staff room instead, which gets hidden tests in full (as the API shows them to staff) and never the
 * redacted copy as well.
 */
export const submissionRoom: RoomAuthorizer = async (user, id) => {
  const readable = await allowedUnlessNotFound(() => CodingSubmissionService.findReadable(user, id));
  if (!readable) return false;
  return user.role === 'student' ? rooms.submission(id) : rooms.submissionStaff(id);
};

/** `rejudge:<id>`: whoever may read the rejudge's progress. */
export const rejudgeRoom: RoomAuthorizer = (user, id) => allowedUnlessNotFound(() => CodingRejudgeService.findReadable(user, id));
