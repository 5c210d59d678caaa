import type { PublicUser, User } from '../../../common/models';

/** A person as staff see them: the public shape plus what only staff need (deletion). */
export interface PersonView extends PublicUser {
  deletedAt: Date | null;
}

export function personView(user: User): PersonView {
  return { ...user.toPublic(), deletedAt: user.deletedAt ?? null };
}
