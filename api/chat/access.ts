import { QueryTypes } from 'sequelize';
import { ChatConversation, ChatMember, User } from '../../common/models';
import { classroomOf, teaches, type Actor } from '../access/classrooms';

/**
 * Who may reach whom (README.md#chat): a student only their classroom's channel, its teachers and
 * support; teachers their classrooms' students and channels, other teachers and admins; admins anyone.
 */
export async function mayStartDirect(actor: Actor, target: User): Promise<boolean> {
  if (target.id === actor.id || target.status !== 'active') return false;
  if (actor.role === 'admin') return true;
  if (actor.role === 'teacher') {
    if (target.role === 'teacher' || target.role === 'admin') return true;
    return teaches(actor.id, target.classroomId ?? null);
  }
  // a student: only a teacher of their own classroom
  if (target.role !== 'teacher') return false;
  return teaches(target.id, await classroomOf(actor.id));
}

export async function mayUseClassroomChannel(actor: Actor, classroomId: string): Promise<boolean> {
  if (actor.role === 'admin') return true;
  if (actor.role === 'teacher') return teaches(actor.id, classroomId);
  return (await classroomOf(actor.id)) === classroomId;
}

/** Whether the actor takes part in (or, as an admin, oversees) the conversation. */
export async function mayRead(actor: Actor, c: ChatConversation): Promise<boolean> {
  switch (c.kind) {
    case 'direct':
      return (await ChatMember.count({ where: { conversationId: c.id, userId: actor.id } })) > 0;
    case 'support':
      return actor.role === 'admin' || c.createdBy === actor.id;
    case 'classroom':
      return mayUseClassroomChannel(actor, c.classroomId!);
  }
}

/**
 * Who hears of a new message: the two of a direct conversation; the requester and every admin of a
 * support one; the students and teachers of a classroom's channel.
 */
export async function participantIds(c: ChatConversation): Promise<string[]> {
  const rows = await ChatConversation.sequelize!.query<{ id: string }>(
    `SELECT u.id FROM users u
      WHERE u.deleted_at IS NULL AND u.status = 'active' AND (
        (:kind = 'direct' AND u.id IN (SELECT user_id FROM chat_members WHERE conversation_id = :id))
        OR (:kind = 'support' AND (u.id = CAST(:createdBy AS uuid) OR u.role = 'admin'))
        OR (:kind = 'classroom' AND (u.classroom_id = CAST(:classroomId AS uuid)
            OR u.id IN (SELECT teacher_id FROM classroom_teachers WHERE classroom_id = CAST(:classroomId AS uuid)))))`,
    { replacements: { kind: c.kind, id: c.id, createdBy: c.createdBy, classroomId: c.classroomId }, type: QueryTypes.SELECT },
  );
  return rows.map((r) => r.id);
}
