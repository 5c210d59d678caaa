import { Op, UniqueConstraintError, type Sequelize } from 'sequelize';
import { AuditEntry, Classroom, ClassroomTeacher, User } from '../../../common/models';
import { ConflictError, NotFoundError, UnprocessableError } from '../../../common/errors';
import { teachingChanged, type Actor } from '../../access/classrooms';
import type { RefreshSessions } from '../../auth/sessions';
import type { CreateClassroomInput, UpdateClassroomInput } from './schemas';

export interface AdminClassroomView {
  id: string;
  name: string;
  academicYear: string;
  archivedAt: Date | null;
  teacherIds: string[];
}

/**
 * Classrooms as admins manage them (README.md#admin-people). Listing stays GET /classrooms; these
 * are the writes. Moving a student ends their sessions, like any classroom change.
 */
export class AdminClassroomService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly sessions: RefreshSessions,
  ) {}

  async create(actor: Actor, input: CreateClassroomInput): Promise<AdminClassroomView> {
    const classroom = await this.unique(() => Classroom.create(input));
    await AuditEntry.record({ type: 'classroom_changed', userId: actor.id, details: { classroomId: classroom.id, action: 'created' } });
    return this.view(classroom);
  }

  async update(actor: Actor, id: string, input: UpdateClassroomInput): Promise<AdminClassroomView> {
    const classroom = await this.find(id);
    const changes: Partial<Pick<Classroom, 'name' | 'academicYear' | 'archivedAt'>> = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.academicYear !== undefined) changes.academicYear = input.academicYear;
    if (input.archived !== undefined) changes.archivedAt = input.archived ? (classroom.archivedAt ?? new Date()) : null;
    await this.unique(() => classroom.update(changes));
    await AuditEntry.record({
      type: 'classroom_changed',
      userId: actor.id,
      details: { classroomId: id, action: 'updated', fields: Object.keys(input) },
    });
    return this.view(classroom);
  }

  async setTeachers(actor: Actor, id: string, teacherIds: string[]): Promise<AdminClassroomView> {
    const classroom = await this.find(id);
    const found = await User.count({ where: { id: { [Op.in]: teacherIds }, role: 'teacher' } });
    if (found !== teacherIds.length) throw new UnprocessableError('UNKNOWN_TEACHER', 'An id in teacherIds is not a teacher');
    await this.sequelize.transaction(async (transaction) => {
      await ClassroomTeacher.destroy({ where: { classroomId: id, teacherId: { [Op.notIn]: teacherIds } }, transaction });
      await ClassroomTeacher.bulkCreate(
        teacherIds.map((teacherId) => ({ classroomId: id, teacherId })),
        { ignoreDuplicates: true, transaction },
      );
    });
    // those who left the list are not known here without another query: every teacher's copy goes
    teachingChanged('all');
    await AuditEntry.record({ type: 'classroom_changed', userId: actor.id, details: { classroomId: id, action: 'teachers', teacherIds } });
    return this.view(classroom);
  }

  /** Puts students in this classroom; every one must be a (not deleted) student. */
  async moveStudents(actor: Actor, id: string, studentIds: string[]): Promise<{ moved: number }> {
    const classroom = await this.find(id);
    if (classroom.archivedAt) throw new UnprocessableError('CLASSROOM_ARCHIVED', 'The classroom is archived');
    const moved = await this.sequelize.transaction(async (transaction) => {
      const students = await User.findAll({
        where: { id: { [Op.in]: studentIds }, role: 'student' },
        attributes: ['id', 'classroomId'],
        transaction,
      });
      if (students.length !== studentIds.length) throw new UnprocessableError('UNKNOWN_STUDENT', 'An id in studentIds is not a student');
      const changing = students.filter((s) => s.classroomId !== id).map((s) => s.id);
      if (changing.length) await User.update({ classroomId: id }, { where: { id: { [Op.in]: changing } }, transaction });
      return changing;
    });
    for (const studentId of moved) await this.sessions.revokeAllOfUser(studentId, 'admin');
    await AuditEntry.record({ type: 'classroom_changed', userId: actor.id, details: { classroomId: id, action: 'students', moved } });
    return { moved: moved.length };
  }

  private async find(id: string): Promise<Classroom> {
    const classroom = await Classroom.findByPk(id);
    if (!classroom) throw new NotFoundError('Classroom');
    return classroom;
  }

  private async view(c: Classroom): Promise<AdminClassroomView> {
    const teachers = await ClassroomTeacher.findAll({ where: { classroomId: c.id }, attributes: ['teacherId'] });
    return { id: c.id, name: c.name, academicYear: c.academicYear, archivedAt: c.archivedAt ?? null, teacherIds: teachers.map((t) => t.teacherId) };
  }

  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof UniqueConstraintError)
        throw new ConflictError('A classroom with this name already exists in that school year', 'CLASSROOM_EXISTS');
      throw err;
    }
  }
}
