import { Op, UniqueConstraintError, type Sequelize, type Transaction, type WhereOptions } from 'sequelize';
import { BadRequestError, ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../../common/errors';
import { Assignment, Submission, SubmissionFile, SubmissionGrade, User, type SubmissionStatus } from '../../../common/models';
import { assessLateness } from '../../../common/learning/late-policy';
import type { RealtimePublisher } from '../../../common/realtime/publisher';
import { limitOffset, type Pagination } from '../../../common/paging';
import { classroomOf, mayReview, taughtClassroomIds, type Actor } from '../../access/classrooms';
import type { SubmissionFileGateway } from './files';
import type { SubmissionLinks } from './links';
import { announceGraded, appendGradeHistory } from '../grading/grade-history';
import { submissionView } from '../views';
import { submissionReviewed } from '../../../common/notifications/triggers';

export interface SubmissionListQuery extends Pagination {
  assignmentId?: string;
  studentId?: string;
  status?: SubmissionStatus;
}

export interface NewSubmission {
  assignmentId: string;
  content?: string;
}

export interface SubmissionChange {
  content?: string;
  status?: 'returned' | 'needs_revision';
  feedback?: string;
}

type Loaded = Submission & { assignment: Assignment; student: User; gradeHistory?: SubmissionGrade[] };

/** Attempts the student may still rework: not reviewed yet, or sent back for revision. */
const REWORKABLE: SubmissionStatus[] = ['submitted', 'late', 'needs_revision'];

function deadlineError(reason: 'LATE_NOT_ACCEPTED' | 'TOO_LATE', daysLate: number, dueAt: Date) {
  return new UnprocessableError(
    'DEADLINE_PASSED',
    reason === 'LATE_NOT_ACCEPTED'
      ? 'The due time has passed and this assignment does not accept late work'
      : 'The due time has passed by more days than this assignment accepts',
    { dueAt, daysLate, reason },
  );
}

/** Checks the hand-in against the assignment's kind: text needs text, a link a web address, file kind a file. */
function checkContent(kind: string, content: string | undefined, fileCount: number, replacingFiles: boolean) {
  if (kind !== 'file' && fileCount > 0) {
    throw new BadRequestError('FILES_NOT_ALLOWED', `A ${kind} assignment takes no files`);
  }
  if (kind === 'text' && !content?.trim()) {
    throw new ValidationError([{ field: 'content', message: 'content is required for a text assignment', type: 'any.required' }]);
  }
  if (kind === 'link') {
    let ok: boolean;
    try {
      const url = new URL(content ?? '');
      ok = url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) throw new ValidationError([{ field: 'content', message: 'content must be an http(s) link', type: 'string.uri' }]);
  }
  if (kind === 'file' && fileCount === 0 && replacingFiles) {
    throw new ValidationError([{ field: 'files', message: 'at least one file is required for a file assignment', type: 'any.required' }]);
  }
}

/**
 * Who may see what in the learning features:
 * - a student: their own submissions, and published assignments of their classroom or of every classroom;
 * - a teacher: submissions of students in the classrooms they teach, assignments of those classrooms
 *   (and the every-classroom ones, read only);
 * - an admin: everything.
 * Anything outside answers 404, so a guess never learns that an id exists.
 */
export class SubmissionService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly files: SubmissionFileGateway,
    private readonly links: SubmissionLinks,
    private readonly realtime: RealtimePublisher,
  ) {}

  /** The submission with its assignment and student (row-locked inside a transaction), or null. */
  private find(id: string, transaction?: Transaction): Promise<Loaded | null> {
    return Submission.findByPk(id, {
      include: [
        { model: Assignment, as: 'assignment', required: true },
        { model: User, as: 'student', required: true },
      ],
      transaction,
      lock: transaction ? { level: transaction.LOCK.UPDATE, of: Submission } : undefined,
    }) as Promise<Loaded | null>;
  }

  /** The submission, when the actor may review (grade, return) it: a teacher of the student's classroom or an admin; 404 otherwise. */
  async loadReviewable(actor: Actor, id: string, transaction?: Transaction): Promise<Loaded> {
    const s = await this.find(id, transaction);
    if (!s || !(await mayReview(actor, s.student.classroomId ?? null, transaction))) throw new NotFoundError('Submission');
    return s;
  }

  /** The submission, when the actor may see it: its student, or whoever may review it; 404 otherwise. */
  private async loadVisible(actor: Actor, id: string, transaction?: Transaction): Promise<Loaded> {
    if (actor.role !== 'student') return this.loadReviewable(actor, id, transaction);
    const s = await this.find(id, transaction);
    if (!s || s.studentId !== actor.id) throw new NotFoundError('Submission');
    return s;
  }

  async view(s: Loaded) {
    const [files, history] = await Promise.all([
      this.links.filesOf([s.id]),
      SubmissionGrade.findAll({ where: { submissionId: s.id }, order: [['gradedAt', 'ASC']] }),
    ]);
    return submissionView(s, files.get(s.id) ?? [], { assignment: s.assignment, history });
  }

  async get(actor: Actor, id: string) {
    return this.view(await this.loadVisible(actor, id));
  }

  async list(actor: Actor, query: SubmissionListQuery) {
    const where: WhereOptions<Submission> = {};
    if (query.assignmentId) Object.assign(where, { assignmentId: query.assignmentId });
    if (query.status) Object.assign(where, { status: query.status });
    const studentWhere: WhereOptions<User> = {};
    if (actor.role === 'student') {
      Object.assign(where, { studentId: actor.id });
    } else {
      if (query.studentId) Object.assign(where, { studentId: query.studentId });
      if (actor.role === 'teacher') {
        Object.assign(studentWhere, { classroomId: { [Op.in]: await taughtClassroomIds(actor.id) } });
      }
    }
    const { rows, count } = await Submission.findAndCountAll({
      where,
      include: [
        { model: User, as: 'student', required: true, where: studentWhere, attributes: ['id', 'classroomId'] },
        { model: Assignment, as: 'assignment', required: true },
      ],
      order: [
        ['submittedAt', 'DESC'],
        ['id', 'ASC'],
      ],
      ...limitOffset(query),
    });
    const files = await this.links.filesOf(rows.map((r) => r.id));
    const data = rows.map((s) => submissionView(s, files.get(s.id) ?? [], { assignment: (s as Loaded).assignment }));
    return { data, meta: { page: query.page, pageSize: query.pageSize, total: count } };
  }

  /** A new attempt. Checks run before any file is stored: visibility, kind, deadline, attempts left. */
  async create(student: Actor, input: NewSubmission, uploads: Express.Multer.File[], now = new Date()) {
    const assignment = await Assignment.findByPk(input.assignmentId);
    const classroomId = await classroomOf(student.id);
    if (!assignment || assignment.status !== 'published' || (assignment.classroomId && assignment.classroomId !== classroomId)) {
      throw new NotFoundError('Assignment');
    }
    checkContent(assignment.kind, input.content, uploads.length, true);
    const late = this.assess(assignment, now);
    const used = await Submission.max<number, Submission>('attempt', { where: { assignmentId: assignment.id, studentId: student.id } });
    const attempt = (used ?? 0) + 1;
    if (attempt > assignment.maxAttempts) throw this.tooManyAttempts(assignment.maxAttempts);

    const fileIds = await this.files.store(student.id, uploads, {
      allowedTypes: assignment.allowedFileTypes,
      maxBytes: assignment.maxFileBytes,
    });
    try {
      const created = await this.sequelize.transaction(async (transaction) => {
        const s = await Submission.create(
          {
            assignmentId: assignment.id,
            studentId: student.id,
            attempt,
            content: input.content ?? null,
            status: late.daysLate > 0 ? 'late' : 'submitted',
            submittedAt: now,
            daysLate: late.daysLate,
            penaltyPercent: late.penaltyPercent,
          },
          { transaction },
        );
        await this.linkFiles(s.id, fileIds, transaction);
        return s;
      });
      return this.get(student, created.id);
    } catch (err) {
      // two attempts raced for the same number: the loser has used up nothing
      if (err instanceof UniqueConstraintError) throw this.tooManyAttempts(assignment.maxAttempts, true);
      throw err;
    }
  }

  /**
   * The owner replaces content or files of an attempt not graded or returned (a `needs_revision` one
   * goes back to `submitted`/`late`; the deadline is judged again at this moment); a teacher of the student's classroom or an admin hands it back.
   */
  async update(actor: Actor, id: string, change: SubmissionChange, uploads: Express.Multer.File[], now = new Date()) {
    if (actor.role === 'student') return this.replace(actor, id, change, uploads, now);
    const forbidden = change.content !== undefined ? ['content'] : uploads.length ? ['files'] : [];
    if (forbidden.length || !change.status) {
      throw new ValidationError([
        ...forbidden.map((f) => ({ field: f, message: `${f} is the student's to change`, type: 'any.unknown' })),
        ...(change.status ? [] : [{ field: 'status', message: 'status is required', type: 'any.required' }]),
      ]);
    }
    const reviewed = await this.sequelize.transaction(async (transaction) => {
      const s = await this.loadVisible(actor, id, transaction);
      s.status = change.status!;
      if (change.feedback !== undefined) s.feedback = change.feedback;
      // the attempt names its latest reviewer, as the grade route does
      s.gradedBy = actor.id;
      s.gradedAt = now;
      await s.save({ transaction });
      await appendGradeHistory(s, change.status!, actor.id, now, transaction);
      await submissionReviewed(this.realtime, s, s.assignment.title, transaction);
      return s;
    });
    announceGraded(this.realtime, reviewed);
    return this.view(reviewed);
  }

  private async replace(student: Actor, id: string, change: SubmissionChange, uploads: Express.Multer.File[], now: Date) {
    if (change.status !== undefined || change.feedback !== undefined) {
      throw new ValidationError(
        (['status', 'feedback'] as const)
          .filter((f) => change[f] !== undefined)
          .map((f) => ({ field: f, message: `${f} is set by a teacher`, type: 'any.unknown' })),
      );
    }
    const s = await this.loadVisible(student, id);
    if (change.content === undefined && uploads.length === 0) {
      throw new ValidationError([{ field: 'content', message: 'send new content or files', type: 'object.missing' }]);
    }
    if (!REWORKABLE.includes(s.status)) {
      throw new ConflictError('This attempt has been graded or returned and can no longer be changed', 'SUBMISSION_LOCKED');
    }
    const replacingFiles = uploads.length > 0;
    checkContent(s.assignment.kind, change.content ?? s.content ?? undefined, uploads.length, false);
    const late = this.assess(s.assignment, now);
    const fileIds = replacingFiles
      ? await this.files.store(student.id, uploads, { allowedTypes: s.assignment.allowedFileTypes, maxBytes: s.assignment.maxFileBytes })
      : [];
    await this.sequelize.transaction(async (transaction) => {
      const locked = await Submission.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
      if (!locked || !REWORKABLE.includes(locked.status)) {
        throw new ConflictError('This attempt has been graded or returned and can no longer be changed', 'SUBMISSION_LOCKED');
      }
      if (change.content !== undefined) locked.content = change.content;
      locked.submittedAt = now;
      locked.daysLate = late.daysLate;
      locked.penaltyPercent = late.penaltyPercent;
      locked.status = late.daysLate > 0 ? 'late' : 'submitted';
      // a revision request may have carried a grade: it judged the old work, so it stays in the history only
      locked.grade = null;
      locked.rawGrade = null;
      locked.gradedBy = null;
      locked.gradedAt = null;
      await locked.save({ transaction });
      if (replacingFiles) {
        await SubmissionFile.destroy({ where: { submissionId: id }, transaction });
        await this.linkFiles(id, fileIds, transaction);
      }
    });
    return this.get(student, id);
  }

  private assess(assignment: Assignment, now: Date) {
    const late = assessLateness(assignment.dueAt, now, {
      acceptLate: assignment.acceptLate,
      penaltyPercentPerDay: assignment.latePenaltyPercent,
      maxLateDays: assignment.maxLateDays ?? null,
    });
    if (!late.accepted) throw deadlineError(late.reason, late.daysLate, assignment.dueAt);
    return late;
  }

  private tooManyAttempts(max: number, raced = false) {
    return new ConflictError(
      raced ? 'Another attempt was handed in at the same moment; try again' : `All ${max} attempts are used`,
      raced ? 'ATTEMPT_CONFLICT' : 'MAX_ATTEMPTS_REACHED',
      { maxAttempts: max },
    );
  }

  private async linkFiles(submissionId: string, fileIds: string[], transaction: Transaction) {
    if (fileIds.length === 0) return;
    // the same content sent twice in one attempt is one stored file: link it once
    const unique = [...new Set(fileIds)];
    await SubmissionFile.bulkCreate(
      unique.map((fileId, position) => ({ submissionId, fileId, position })),
      { transaction },
    );
  }
}
