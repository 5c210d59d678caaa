import crypto from 'node:crypto';
import { Op, UniqueConstraintError, type Sequelize, type Transaction, type WhereOptions, type Order } from 'sequelize';
import { AuditEntry, Classroom, ClassroomTeacher, User, type AuditType } from '../../../common/models';
import { enqueue, type Queues } from '../../../common/queues';
import type { Logger } from '../../../common/logger';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../../../common/errors';
import { taughtClassroomIds, teachingChanged, teaches, type Actor } from '../../access/classrooms';
import type { Passwords } from '../../auth/passwords';
import type { RefreshSessions } from '../../auth/sessions';
import { refusePasswordEqualToIdentity } from '../../auth/service';
import { personView, type PersonView } from './views';
import type { CreatePersonInput, PeopleListQuery, PeopleSort, UpdatePersonInput } from './schemas';

export type PersonKind = 'student' | 'teacher';

export interface PeopleDeps {
  sequelize: Sequelize;
  queues: Queues;
  logger: Logger;
  passwords: Passwords;
  sessions: RefreshSessions;
}

/** Limit and offset of the page, and the `q` search already made into an ILIKE pattern. */
export interface PageWindow {
  limit: number;
  offset: number;
  pattern?: string;
}

const SORTS: Record<PeopleSort, Order> = {
  name: [
    ['name', 'ASC'],
    ['id', 'ASC'],
  ],
  '-name': [
    ['name', 'DESC'],
    ['id', 'ASC'],
  ],
  nis: [
    ['studentNumber', 'ASC NULLS LAST'],
    ['id', 'ASC'],
  ],
  '-nis': [
    ['studentNumber', 'DESC NULLS LAST'],
    ['id', 'ASC'],
  ],
  createdAt: [
    ['createdAt', 'ASC'],
    ['id', 'ASC'],
  ],
  '-createdAt': [
    ['createdAt', 'DESC'],
    ['id', 'ASC'],
  ],
  lastLoginAt: [
    ['lastLoginAt', 'ASC NULLS FIRST'],
    ['id', 'ASC'],
  ],
  '-lastLoginAt': [
    ['lastLoginAt', 'DESC NULLS LAST'],
    ['id', 'ASC'],
  ],
};

/** What a teacher may change on a student; everything else is an admin's (README.md#admin-people). */
const TEACHER_FIELDS = new Set<keyof UpdatePersonInput>(['name', 'email', 'nis', 'phone', 'classroomId']);

/** A stored hash no password matches: an invited account cannot sign in until it sets one. */
const unusableHash = () => `!invited:${crypto.randomBytes(16).toString('hex')}`;

/**
 * Students and teachers as staff manage them (README.md#admin-people). Teachers act on the students
 * of the classrooms they teach, and anything outside answers 404; admins act everywhere. Whatever
 * changes who a person is or whether they may sign in (suspension, deletion, role, classroom) ends
 * their sessions at once through the deny list, not at the next refresh.
 */
export class PeopleService {
  constructor(private readonly d: PeopleDeps) {}

  async list(actor: Actor, kind: PersonKind, query: PeopleListQuery, page: PageWindow): Promise<{ rows: PersonView[]; total: number }> {
    const and: WhereOptions<User>[] = [{ role: kind }];
    if (actor.role === 'teacher') {
      const taught = await taughtClassroomIds(actor.id);
      if (query.classroomId && !taught.includes(query.classroomId)) throw new NotFoundError('Classroom');
      and.push({ classroomId: query.classroomId ?? { [Op.in]: taught } });
    } else if (query.classroomId) {
      and.push({ classroomId: query.classroomId });
    }
    if (query.status === 'deleted') and.push({ deletedAt: { [Op.ne]: null } });
    else if (query.status) and.push({ status: query.status });
    if (query.verified !== undefined) and.push({ emailVerifiedAt: query.verified ? { [Op.ne]: null } : null });
    if (page.pattern) {
      and.push({
        [Op.or]: [{ name: { [Op.iLike]: page.pattern } }, { email: { [Op.iLike]: page.pattern } }, { studentNumber: { [Op.iLike]: page.pattern } }],
      });
    }
    const { rows, count } = await User.findAndCountAll({
      where: { [Op.and]: and },
      paranoid: query.status !== 'deleted',
      order: SORTS[query.sort],
      limit: page.limit,
      offset: page.offset,
    });
    return { rows: rows.map(personView), total: count };
  }

  async get(actor: Actor, kind: PersonKind, id: string): Promise<PersonView & { classroomIds?: string[] }> {
    const user = await this.findInScope(actor, kind, id, { withDeleted: true });
    if (kind === 'student') return personView(user);
    return { ...personView(user), classroomIds: await taughtClassroomIds(user.id) };
  }

  async create(actor: Actor, kind: PersonKind, input: CreatePersonInput): Promise<PersonView> {
    if (kind === 'student') await this.checkClassroom(actor, input.classroomId ?? null, true);
    if (input.password) refusePasswordEqualToIdentity(input.password, { email: input.email, studentNumber: input.nis }, 'password');
    await this.refuseTaken({ email: input.email, nis: input.nis });
    const invited = Boolean(input.email);
    const passwordHash = input.password ? await this.d.passwords.hash(input.password) : unusableHash();
    const user = await this.d.sequelize.transaction(async (transaction) => {
      const created = await this.unique(() =>
        User.create(
          {
            name: input.name,
            email: input.email ?? null,
            studentNumber: input.nis ?? null,
            phone: input.phone ?? null,
            role: kind,
            classroomId: kind === 'student' ? (input.classroomId ?? null) : null,
            passwordHash,
            // staff vouch for the account; an invitation proves the mailbox when it is used
            emailVerifiedAt: new Date(),
            mustChangePassword: !invited,
          },
          { transaction },
        ),
      );
      await this.audit(actor, 'account_created', created.id, { kind, invited }, transaction);
      return created;
    });
    if (invited) await this.mail('invitation', user.id);
    return personView(user);
  }

  async update(actor: Actor, kind: PersonKind, id: string, input: UpdatePersonInput): Promise<PersonView> {
    const refused = actor.role === 'admin' ? [] : Object.keys(input).filter((f) => !TEACHER_FIELDS.has(f as keyof UpdatePersonInput));
    if (refused.length) throw new ForbiddenError(`You may not set ${refused.join(', ')}`, 'FIELD_NOT_ALLOWED');
    const user = await this.findInScope(actor, kind, id);
    if (input.classroomId !== undefined && input.classroomId !== user.classroomId) {
      if (kind !== 'student' && input.classroomId !== null) {
        throw new UnprocessableError(
          'NOT_A_STUDENT',
          'Only students belong to a classroom; assign teachers with PUT /admin/teachers/{id}/classrooms',
        );
      }
      await this.checkClassroom(actor, input.classroomId, actor.role === 'teacher');
    }
    const email = input.email === undefined ? user.email : input.email;
    const studentNumber = input.nis === undefined ? user.studentNumber : input.nis;
    if (!email && !studentNumber) throw new UnprocessableError('NO_IDENTIFIER', 'An account needs an email or a NIS to sign in with');
    await this.refuseTaken({ email: input.email ?? undefined, nis: input.nis ?? undefined }, user.id);

    const changes: Partial<Pick<User, 'name' | 'email' | 'studentNumber' | 'phone' | 'classroomId' | 'role'>> = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.email !== undefined) changes.email = input.email;
    if (input.nis !== undefined) changes.studentNumber = input.nis;
    if (input.phone !== undefined) changes.phone = input.phone;
    if (input.classroomId !== undefined) changes.classroomId = input.classroomId;
    if (input.role !== undefined) changes.role = input.role;
    const revoke =
      (changes.role !== undefined && changes.role !== user.role) || (changes.classroomId !== undefined && changes.classroomId !== user.classroomId);
    // read before the update below changes user.role
    const leavesTeaching = changes.role !== undefined && changes.role !== 'teacher' && user.role === 'teacher';
    await this.d.sequelize.transaction(async (transaction) => {
      if (changes.role && changes.role !== 'student') changes.classroomId = null;
      if (changes.role && changes.role !== 'teacher' && user.role === 'teacher') {
        await ClassroomTeacher.destroy({ where: { teacherId: user.id }, transaction });
      }
      await this.unique(() => user.update(changes, { transaction }));
      await this.audit(actor, 'account_updated', user.id, { fields: Object.keys(input), sessionsRevoked: revoke }, transaction);
    });
    // a teacher no more: their classroom_teachers rows went with the role
    if (leavesTeaching) teachingChanged([user.id]);
    if (revoke) await this.d.sessions.revokeAllOfUser(user.id, 'admin');
    return personView(user);
  }

  async remove(actor: Actor, kind: PersonKind, id: string): Promise<void> {
    const user = await this.findInScope(actor, kind, id);
    if (user.id === actor.id) throw new UnprocessableError('SELF', 'You cannot delete your own account');
    await this.d.sequelize.transaction(async (transaction) => {
      await user.destroy({ transaction });
      await this.audit(actor, 'account_deleted', user.id, { kind }, transaction);
    });
    await this.d.sessions.revokeEverything(user.id, 'admin');
  }

  async restore(actor: Actor, kind: PersonKind, id: string): Promise<PersonView> {
    const user = await this.findInScope(actor, kind, id, { withDeleted: true });
    if (!user.deletedAt) return personView(user);
    // someone may have taken the email or NIS while the account was deleted
    await this.refuseTaken({ email: user.email ?? undefined, nis: user.studentNumber ?? undefined }, user.id);
    await this.d.sequelize.transaction(async (transaction) => {
      await this.unique(() => user.restore({ transaction }));
      await this.audit(actor, 'account_restored', user.id, { kind }, transaction);
    });
    return personView(user);
  }

  async setSuspended(actor: Actor, kind: PersonKind, id: string, suspended: boolean): Promise<PersonView> {
    const user = await this.findInScope(actor, kind, id);
    if (user.id === actor.id) throw new UnprocessableError('SELF', 'You cannot suspend your own account');
    await this.d.sequelize.transaction(async (transaction) => {
      await user.update({ status: suspended ? 'suspended' : 'active' }, { transaction });
      await this.audit(actor, suspended ? 'account_suspended' : 'account_unsuspended', user.id, { kind }, transaction);
    });
    if (suspended) await this.d.sessions.revokeEverything(user.id, 'admin');
    return personView(user);
  }

  /**
   * With a password: staff set it, the person must change it at next sign-in, and every session
   * ends. Without one: the person gets a reset link by email, and nothing changes until they use it.
   */
  async resetPassword(actor: Actor, kind: PersonKind, id: string, password?: string): Promise<{ emailed: boolean }> {
    const user = await this.findInScope(actor, kind, id);
    if (!password) {
      if (!user.email) throw new UnprocessableError('NO_EMAIL', 'This account has no email address; send the new password instead');
      await this.mail('password-reset', user.id);
      await this.audit(actor, 'account_password_reset', user.id, { emailed: true });
      return { emailed: true };
    }
    refusePasswordEqualToIdentity(password, user, 'password');
    const passwordHash = await this.d.passwords.hash(password);
    await this.d.sequelize.transaction(async (transaction) => {
      await user.update({ passwordHash, mustChangePassword: true }, { transaction });
      await this.audit(actor, 'account_password_reset', user.id, { emailed: false }, transaction);
    });
    await this.d.sessions.revokeAllOfUser(user.id, 'admin');
    return { emailed: false };
  }

  /** Replaces the classrooms a teacher teaches. */
  async setTeacherClassrooms(actor: Actor, teacherId: string, classroomIds: string[]): Promise<{ classroomIds: string[] }> {
    const teacher = await this.findInScope(actor, 'teacher', teacherId);
    const found = await Classroom.count({ where: { id: { [Op.in]: classroomIds } } });
    if (found !== classroomIds.length) throw new UnprocessableError('UNKNOWN_CLASSROOM', 'A classroom in classroomIds does not exist');
    await this.d.sequelize.transaction(async (transaction) => {
      await ClassroomTeacher.destroy({ where: { teacherId: teacher.id, classroomId: { [Op.notIn]: classroomIds } }, transaction });
      await ClassroomTeacher.bulkCreate(
        classroomIds.map((classroomId) => ({ classroomId, teacherId: teacher.id })),
        { ignoreDuplicates: true, transaction },
      );
      await this.audit(actor, 'account_updated', teacher.id, { fields: ['classroomIds'] }, transaction);
    });
    teachingChanged([teacher.id]);
    return { classroomIds: await taughtClassroomIds(teacher.id) };
  }

  /** The person, if the actor may manage them; anyone else (or of another kind) is not found. */
  private async findInScope(actor: Actor, kind: PersonKind, id: string, opts: { withDeleted?: boolean } = {}): Promise<User> {
    const user = await User.findOne({ where: { id, role: kind }, paranoid: !opts.withDeleted });
    if (!user) throw new NotFoundError(kind === 'student' ? 'Student' : 'Teacher');
    if (actor.role === 'admin') return user;
    if (kind === 'student' && actor.role === 'teacher' && (await teaches(actor.id, user.classroomId))) return user;
    throw new NotFoundError(kind === 'student' ? 'Student' : 'Teacher');
  }

  /** A classroom a student may be put in: it exists, is not archived, and a teacher teaches it. */
  private async checkClassroom(actor: Actor, classroomId: string | null, required: boolean): Promise<void> {
    if (!classroomId) {
      if (required && actor.role === 'teacher') {
        throw new UnprocessableError('CLASSROOM_REQUIRED', 'A teacher puts a student in one of their classrooms');
      }
      return;
    }
    const classroom = await Classroom.findByPk(classroomId, { attributes: ['id', 'archivedAt'] });
    if (!classroom || (actor.role === 'teacher' && !(await teaches(actor.id, classroomId)))) throw new NotFoundError('Classroom');
    if (classroom.archivedAt) throw new UnprocessableError('CLASSROOM_ARCHIVED', 'The classroom is archived');
  }

  private async refuseTaken(who: { email?: string; nis?: string }, exceptId?: string): Promise<void> {
    const notMe = exceptId ? { id: { [Op.ne]: exceptId } } : {};
    if (who.email && (await User.count({ where: { email: who.email, ...notMe } }))) {
      throw new ConflictError('An account with this email already exists', 'EMAIL_TAKEN');
    }
    if (who.nis && (await User.count({ where: { studentNumber: who.nis, ...notMe } }))) {
      throw new ConflictError('An account with this NIS already exists', 'NIS_TAKEN');
    }
  }

  /** The unique indexes are the real guard against two requests racing past `refuseTaken`. */
  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof UniqueConstraintError) {
        const nis = JSON.stringify(err.fields ?? {}).includes('student_number');
        throw nis
          ? new ConflictError('An account with this NIS already exists', 'NIS_TAKEN')
          : new ConflictError('An account with this email already exists', 'EMAIL_TAKEN');
      }
      throw err;
    }
  }

  private async mail(template: 'invitation' | 'password-reset', userId: string): Promise<void> {
    try {
      await enqueue(this.d.queues, 'email', { template, userId });
    } catch (err) {
      // the account change stands; staff can send the link again with reset-password
      this.d.logger.warn('account email not enqueued', { userId, template, error: (err as Error).message });
    }
  }

  private audit(actor: Actor, type: AuditType, targetId: string, details: Record<string, unknown>, transaction?: Transaction) {
    return AuditEntry.record({ type, userId: actor.id, details: { targetId, ...details } }, transaction);
  }
}
