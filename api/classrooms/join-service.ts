import { UniqueConstraintError } from 'sequelize';
import { AuditEntry, Classroom, User } from '../../common/models';
import { ConflictError, NotFoundError, UnprocessableError } from '../../common/errors';
import { newJoinCode, normalizeJoinCode } from '../../common/people/join-codes';
import { rooms } from '../../common/realtime/events';
import type { RealtimePublisher } from '../../common/realtime/publisher';
import { teaches, type Actor } from '../access/classrooms';

export interface JoinCodeView {
  classroomId: string;
  /** null while joining by code is switched off */
  joinCode: string | null;
}

const invalidCode = () => new UnprocessableError('INVALID_JOIN_CODE', 'The join code matches no classroom open for joining');

/**
 * Classroom join codes (README.md#classroom-join-codes): the only way a student places themselves in
 * a classroom. The classroom's teachers and admins read, rotate and switch off its code; a rotated
 * or switched-off code stops working at once, and nobody already in the classroom is moved.
 */
export class ClassroomJoinService {
  constructor(private readonly realtime: Pick<RealtimePublisher, 'joinRooms'>) {}

  /** The open classroom a typed code names; a malformed, unknown, switched-off or archived one is 422. */
  static async classroomFor(typed: string): Promise<Classroom> {
    const code = normalizeJoinCode(typed);
    const classroom = code ? await Classroom.findOne({ where: { joinCode: code } }) : null;
    if (!classroom || classroom.archivedAt) throw invalidCode();
    return classroom;
  }

  async rotate(actor: Actor, classroomId: string): Promise<JoinCodeView> {
    const classroom = await this.manageable(actor, classroomId);
    if (classroom.archivedAt) throw new UnprocessableError('CLASSROOM_ARCHIVED', 'The classroom is archived and takes no new students');
    // a clash with another classroom's code is a one-in-a-trillion event: draw again
    for (let attempt = 0; ; attempt++) {
      try {
        await classroom.update({ joinCode: newJoinCode() });
        break;
      } catch (err) {
        if (!(err instanceof UniqueConstraintError) || attempt >= 2) throw err;
      }
    }
    await this.audit(actor, classroomId, 'join_code_rotated');
    return { classroomId, joinCode: classroom.joinCode };
  }

  async disable(actor: Actor, classroomId: string): Promise<void> {
    const classroom = await this.manageable(actor, classroomId);
    if (classroom.joinCode === null) return;
    await classroom.update({ joinCode: null });
    await this.audit(actor, classroomId, 'join_code_disabled');
  }

  /**
   * Puts a student who has no classroom into the one the code names. A student already in one asks a
   * teacher to move them: a code must not let anyone leave a class for another unseen.
   */
  async join(student: Actor, typed: string): Promise<{ classroomId: string; name: string; academicYear: string }> {
    const classroom = await ClassroomJoinService.classroomFor(typed);
    const [placed] = await User.update({ classroomId: classroom.id }, { where: { id: student.id, role: 'student', classroomId: null } });
    if (placed === 0) throw new ConflictError('You are already in a classroom; ask a teacher to move you', 'ALREADY_IN_CLASSROOM');
    await AuditEntry.record({
      type: 'account_updated',
      userId: student.id,
      details: { targetId: student.id, fields: ['classroomId'], classroomId: classroom.id, via: 'join_code' },
    });
    // the student's open sockets get the classroom's events from now on, without reconnecting
    this.realtime.joinRooms(rooms.user(student.id), [rooms.classroom(classroom.id)]);
    return { classroomId: classroom.id, name: classroom.name, academicYear: classroom.academicYear };
  }

  /** The classroom, if the actor teaches it or is an admin; anyone else gets 404. */
  private async manageable(actor: Actor, classroomId: string): Promise<Classroom> {
    const classroom = await Classroom.findByPk(classroomId);
    if (!classroom) throw new NotFoundError('Classroom');
    if (actor.role === 'admin' || (actor.role === 'teacher' && (await teaches(actor.id, classroom.id)))) return classroom;
    throw new NotFoundError('Classroom');
  }

  private async audit(actor: Actor, classroomId: string, action: string) {
    await AuditEntry.record({ type: 'classroom_changed', userId: actor.id, details: { classroomId, action } });
  }
}
