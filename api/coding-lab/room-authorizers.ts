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

/** `submission:<id>`: whoever may read the submission. */
export const submissionRoom: RoomAuthorizer = (user, id) =>
  allowedUnlessNotFound(() => CodingSubmissionService.findReadable(user, id));

/** `rejudge:<id>`: whoever may read the rejudge's progress. */
export const rejudgeRoom: RoomAuthorizer = (user, id) =>
  allowedUnlessNotFound(() => CodingRejudgeService.findReadable(user, id));
