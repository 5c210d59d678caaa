import { WebAssignment, WebVersion, WebRecheck } from '../../common/models';
import { NotFoundError } from '../../common/errors';
import { classroomOf, teaches, type Actor } from '../access/classrooms';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);
export const isStaff = (user: Actor) => user.role === 'teacher' || user.role === 'admin';

/**
 * Who may see what in the web lab, the learning core's rule: whoever may not see a thing is told it
 * does not exist (404), previews and screenshots included.
 */

/** Admins; teachers of the assignment's classroom; for an every-classroom assignment, its author. */
export async function mayManageAssignment(user: Actor, a: Pick<WebAssignment, 'classroomId' | 'createdBy'>): Promise<boolean> {
  if (user.role === 'admin') return true;
  if (user.role !== 'teacher') return false;
  if (a.classroomId === null) return a.createdBy === user.id;
  return teaches(user.id, a.classroomId);
}

/** Students: published, not archived, for their classroom (or every classroom). */
export async function mayViewAssignment(user: Actor, a: WebAssignment): Promise<boolean> {
  if (await mayManageAssignment(user, a)) return true;
  if (user.role !== 'student' || !a.published || a.archivedAt) return false;
  return a.classroomId === null || (await classroomOf(user.id)) === a.classroomId;
}

export async function findViewableAssignment(user: Actor, id: string): Promise<WebAssignment> {
  const a = isUuid(id) ? await WebAssignment.findByPk(id) : null;
  if (!a || !(await mayViewAssignment(user, a))) throw new NotFoundError('Assignment');
  return a;
}

export async function findManageableAssignment(user: Actor, id: string): Promise<WebAssignment> {
  const a = isUuid(id) ? await WebAssignment.findByPk(id) : null;
  if (!a || !(await mayManageAssignment(user, a))) throw new NotFoundError('Assignment');
  return a;
}

/** A version: its author, admins, teachers of the classroom it was made in. */
export async function mayReadVersion(user: Actor, v: Pick<WebVersion, 'userId' | 'classroomId'>): Promise<boolean> {
  if (user.role === 'admin' || v.userId === user.id) return true;
  return user.role === 'teacher' && teaches(user.id, v.classroomId);
}

export async function findReadableVersion(user: Actor, id: string): Promise<WebVersion> {
  const v = isUuid(id) ? await WebVersion.findByPk(id) : null;
  if (!v || !(await mayReadVersion(user, v))) throw new NotFoundError('Submission');
  return v;
}

/** Staff who may grade the version: admins and teachers of its classroom (never its author as such). */
export async function findReviewableVersion(user: Actor, id: string): Promise<WebVersion> {
  const v = isUuid(id) ? await WebVersion.findByPk(id) : null;
  const ok = v && (user.role === 'admin' || (user.role === 'teacher' && (await teaches(user.id, v.classroomId))));
  if (!v || !ok) throw new NotFoundError('Submission');
  return v;
}

export async function findReadableRecheck(user: Actor, id: string): Promise<WebRecheck> {
  const r = isUuid(id) ? await WebRecheck.findByPk(id) : null;
  if (!r) throw new NotFoundError('Recheck');
  if (user.role === 'admin' || r.requestedBy === user.id) return r;
  const a = await WebAssignment.findByPk(r.assignmentId);
  if (!a || !(await mayManageAssignment(user, a))) throw new NotFoundError('Recheck');
  return r;
}
