import { Op, type WhereOptions } from 'sequelize';
import { WebAssignment, WebProject } from '../../common/models';
import { NotFoundError } from '../../common/errors';
import { limitOffset, type Pagination } from '../../common/paging';
import { validateTree, type TreeLimits } from '../../common/web-lab/file-tree';
import { DEFAULT_RUBRIC, type RubricCriterion, type WebCheck, type WebFile } from '../../common/web-lab/types';
import { classroomOf, taughtClassroomIds, teaches, type Actor } from '../access/classrooms';
import { findManageableAssignment, findViewableAssignment, isStaff } from './access';
import { presentAssignment } from './present';

export interface AssignmentFields {
  title?: string;
  description?: string;
  classroomId?: string | null;
  starterFiles?: WebFile[];
  dueAt?: Date;
  acceptLate?: boolean;
  latePenaltyPercent?: number;
  maxLateDays?: number | null;
  points?: number;
  autoWeightPercent?: number;
  rubric?: RubricCriterion[];
  checks?: WebCheck[];
  published?: boolean;
}

export interface AssignmentListQuery extends Pagination {
  classroomId?: string;
}

/** Called once when an assignment becomes published (create or update); the lead connects notifications here. */
export type PublishedHook = (assignment: { id: string; title: string; classroomId: string | null; dueAt: Date }) => void | Promise<void>;

export class WebAssignmentService {
  constructor(
    private readonly limits: TreeLimits,
    private readonly onPublished: PublishedHook = () => undefined,
  ) {}

  async list(user: Actor, query: AssignmentListQuery) {
    const filters: WhereOptions[] = [];
    if (user.role === 'student') {
      const classroomId = await classroomOf(user.id);
      filters.push({ published: true, archivedAt: null, classroomId: { [Op.or]: [null, ...(classroomId ? [classroomId] : [])] } });
    } else if (user.role === 'teacher') {
      const taught = await taughtClassroomIds(user.id);
      filters.push({ [Op.or]: [{ classroomId: { [Op.in]: taught } }, { classroomId: null, createdBy: user.id }] });
    }
    if (query.classroomId) filters.push({ classroomId: query.classroomId });
    const { rows, count } = await WebAssignment.findAndCountAll({
      where: { [Op.and]: filters },
      order: [
        ['dueAt', 'ASC'],
        ['id', 'ASC'],
      ],
      ...limitOffset(query),
    });
    return { data: rows.map((a) => presentAssignment(a, isStaff(user))), total: count };
  }

  async get(user: Actor, id: string) {
    return presentAssignment(await findViewableAssignment(user, id), isStaff(user));
  }

  async create(user: Actor, input: AssignmentFields & { title: string; dueAt: Date; classroomId: string | null }) {
    await this.assertMayTarget(user, input.classroomId);
    const a = await WebAssignment.create({
      ...input,
      starterFiles: validateTree(input.starterFiles ?? [], this.limits),
      rubric: input.rubric ?? DEFAULT_RUBRIC,
      points: input.points ?? 100,
      createdBy: user.id,
    });
    if (a.published) await this.announce(a);
    return presentAssignment(a, true);
  }

  async update(user: Actor, id: string, input: AssignmentFields) {
    const a = await findManageableAssignment(user, id);
    if (input.classroomId !== undefined) await this.assertMayTarget(user, input.classroomId);
    const wasPublished = a.published;
    const fields = { ...input, ...(input.starterFiles ? { starterFiles: validateTree(input.starterFiles, this.limits) } : {}) };
    await a.update(fields);
    if (!wasPublished && a.published) await this.announce(a);
    return presentAssignment(a, true);
  }

  /** Deleted while nobody has started; archived (hidden from students, kept for grading) once work exists. */
  async remove(user: Actor, id: string): Promise<'deleted' | 'archived'> {
    const a = await findManageableAssignment(user, id);
    if ((await WebProject.count({ where: { assignmentId: a.id } })) === 0) {
      await a.destroy();
      return 'deleted';
    }
    await a.update({ archivedAt: new Date(), published: false });
    return 'archived';
  }

  /** A teacher may only set work for a classroom they teach (404 otherwise, as for anything unseen). */
  private async assertMayTarget(user: Actor, classroomId: string | null): Promise<void> {
    if (user.role === 'admin' || classroomId === null) return;
    if (!(await teaches(user.id, classroomId))) throw new NotFoundError('Classroom');
  }

  private async announce(a: WebAssignment): Promise<void> {
    await this.onPublished({ id: a.id, title: a.title, classroomId: a.classroomId, dueAt: a.dueAt });
  }
}
