import type { DiscussionThread } from '../../common/models';
import { classroomOf, taughtClassroomIds, teaches, type Actor } from '../access/classrooms';

/** The classrooms whose threads the actor sees besides the school-wide ones; null: every classroom (admin). */
export async function visibleClassroomIds(actor: Actor): Promise<string[] | null> {
  if (actor.role === 'admin') return null;
  if (actor.role === 'teacher') return taughtClassroomIds(actor.id);
  const own = await classroomOf(actor.id);
  return own ? [own] : [];
}

export async function maySee(actor: Actor, t: Pick<DiscussionThread, 'classroomId'>): Promise<boolean> {
  if (!t.classroomId || actor.role === 'admin') return true;
  if (actor.role === 'teacher') return teaches(actor.id, t.classroomId);
  return (await classroomOf(actor.id)) === t.classroomId;
}

/** Teachers moderate their classrooms' threads; admins every thread, school-wide ones included. */
export async function mayModerate(actor: Actor, t: Pick<DiscussionThread, 'classroomId'>): Promise<boolean> {
  if (actor.role === 'admin') return true;
  return actor.role === 'teacher' && !!t.classroomId && teaches(actor.id, t.classroomId);
}

/** Where the actor may start a thread: school-wide, or a classroom they belong to or teach. */
export async function mayPostIn(actor: Actor, classroomId: string | null): Promise<boolean> {
  if (!classroomId) return true;
  return maySee(actor, { classroomId });
}
