import { rooms } from '../../common/realtime/events';
import type { RoomAuthorizer } from '../realtime/socket-server';
import { findReadableRecheck, findReadableVersion } from './access';

const quietly = async <T>(find: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await find();
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
};

/** `web-version:<id>`: whoever may read the version; staff join its staff room (hidden checks in full). */
export const webVersionRoom: RoomAuthorizer = async (user, id) => {
  const v = await quietly(() => findReadableVersion(user, id));
  if (!v) return false;
  return user.role === 'student' ? rooms.webVersion(id) : rooms.webVersionStaff(id);
};

/** `web-recheck:<id>`: whoever may read the recheck's progress. */
export const webRecheckRoom: RoomAuthorizer = async (user, id) => Boolean(await quietly(() => findReadableRecheck(user, id)));
