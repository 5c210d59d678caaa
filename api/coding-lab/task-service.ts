import { Op, UniqueConstraintError, type Sequelize, type WhereOptions, type Transaction } from 'sequelize';
import { CodingSubmission, CodingTask, CodingTestCase, type CodingLanguage, type Difficulty, type ScoringMode } from '../../common/models';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError, type FieldError } from '../../common/errors';
import { isValidRegex } from '../../common/grading/compare';
import { limitOffset, type Pagination } from '../../common/paging';
import { classroomOf, taughtClassroomIds, teaches, type Actor } from '../access/classrooms';
import { mayManageTask, mayViewTask } from './access';
import { isUuid } from './submission-access';
import { presentTask, presentTaskSummary } from './present';
import type { TestInput } from './schemas';
import { likeContains } from '../../common/sql/like';

export interface TaskListQuery extends Pagination {
  difficulty?: Difficulty;
  language?: CodingLanguage;
  tag?: string;
  q?: string;
  solved?: boolean;
}

export interface TaskFields {
  slug?: string;
  title?: string;
  description?: string;
  difficulty?: Difficulty;
  tags?: string[];
  languages?: CodingLanguage[];
  starterCode?: Partial<Record<CodingLanguage, string>>;
  timeLimitMs?: number;
  memoryLimitMb?: number;
  points?: number;
  classroomId?: string | null;
  published?: boolean;
  scoring?: ScoringMode;
  stopOnFirstFailure?: boolean;
}
export interface CreateTaskInput extends TaskFields {
  title: string;
  languages: CodingLanguage[];
  tests: TestInput[];
}

export function slugify(title: string): string {
  const base = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return base || 'task';
}

/** Tests whose settings cannot work are refused when saved, not discovered while grading. */
function checkTests(tests: TestInput[]): void {
  const problems: FieldError[] = [];
  tests.forEach((t, i) => {
    if (t.comparison === 'regex' && !isValidRegex(t.expected)) {
      problems.push({ field: `tests.${i}.expected`, message: 'is not a valid regular expression', type: 'regex.invalid' });
    }
  });
  if (problems.length) throw new ValidationError(problems);
}

export class CodingTaskService {
  constructor(private readonly sequelize: Sequelize) {}

  /** The filter of tasks a user may see in lists. */
  private async visibleWhere(user: Actor): Promise<WhereOptions> {
    if (user.role === 'admin') return {};
    if (user.role === 'teacher') {
      const taught = await taughtClassroomIds(user.id);
      return { [Op.or]: [{ published: true }, { createdBy: user.id }, { classroomId: { [Op.in]: taught } }] };
    }
    const classroomId = await classroomOf(user.id);
    return {
      published: true,
      classroomId: classroomId ? { [Op.or]: [null, classroomId] } : null,
    } as WhereOptions;
  }

  async list(user: Actor, query: TaskListQuery) {
    const solvedIds = this.sequelize.literal(
      `(SELECT s.task_id FROM coding_submissions s WHERE s.user_id = ${this.sequelize.escape(user.id)} AND s.verdict = 'accepted')`,
    );
    const filters: WhereOptions[] = [await this.visibleWhere(user)];
    if (query.difficulty) filters.push({ difficulty: query.difficulty });
    if (query.language) filters.push({ languages: { [Op.contains]: [query.language] } });
    if (query.tag) filters.push({ tags: { [Op.contains]: [query.tag.toLowerCase()] } });
    if (query.q) {
      const like = likeContains(query.q);
      filters.push({ [Op.or]: [{ title: { [Op.iLike]: like } }, { slug: { [Op.iLike]: like } }] });
    }
    if (query.solved !== undefined) filters.push({ id: { [query.solved ? Op.in : Op.notIn]: solvedIds } });
    const { rows, count } = await CodingTask.findAndCountAll({
      where: { [Op.and]: filters },
      order: [
        ['title', 'ASC'],
        ['id', 'ASC'],
      ],
      ...limitOffset(query),
    });
    const solved = new Set(
      (
        await CodingSubmission.findAll({
          where: { userId: user.id, verdict: 'accepted', taskId: rows.map((r) => r.id) },
          attributes: ['taskId'],
        })
      ).map((s) => s.taskId),
    );
    return { data: rows.map((t) => presentTaskSummary(t, solved.has(t.id))), total: count };
  }

  private async find(idOrSlug: string): Promise<CodingTask | null> {
    return CodingTask.findOne({ where: isUuid(idOrSlug) ? { id: idOrSlug } : { slug: idOrSlug } });
  }

  async findViewable(user: Actor, idOrSlug: string): Promise<CodingTask> {
    const task = await this.find(idOrSlug);
    if (!task || !(await mayViewTask(user, task))) throw new NotFoundError('Task');
    return task;
  }

  /** Whoever may not manage the task gets a 404, even when they may see it (students meet requireRole's 403 first). */
  async findManageable(user: Actor, id: string): Promise<CodingTask> {
    const task = await this.find(id);
    if (!task || !(await mayViewTask(user, task))) throw new NotFoundError('Task');
    if (!(await mayManageTask(user, task))) throw new NotFoundError('Task');
    return task;
  }

  private tests(taskId: string, transaction?: Transaction) {
    return CodingTestCase.findAll({ where: { taskId }, order: [['position', 'ASC']], transaction });
  }

  async get(user: Actor, idOrSlug: string) {
    const task = await this.findViewable(user, idOrSlug);
    const manage = await mayManageTask(user, task);
    const solved = (await CodingSubmission.count({ where: { taskId: task.id, userId: user.id, verdict: 'accepted' } })) > 0;
    return presentTask(task, await this.tests(task.id), { manage, solved });
  }

  private async checkClassroom(user: Actor, classroomId: string | null | undefined): Promise<void> {
    if (!classroomId || user.role === 'admin') return;
    if (!(await teaches(user.id, classroomId))) {
      throw new UnprocessableError('CLASSROOM_NOT_TAUGHT', 'A task can only be limited to a classroom you teach');
    }
  }

  private checkStarterCode(languages: CodingLanguage[], starter: TaskFields['starterCode']): void {
    const extra = Object.keys(starter ?? {}).filter((l) => !languages.includes(l as CodingLanguage));
    if (extra.length) {
      throw new ValidationError(extra.map((l) => ({ field: `starterCode.${l}`, message: 'is not one of the task languages' })));
    }
  }

  private async writeTests(taskId: string, tests: TestInput[], transaction: Transaction) {
    await CodingTestCase.destroy({ where: { taskId }, transaction });
    await CodingTestCase.bulkCreate(
      tests.map((t, position) => ({ ...t, taskId, position })),
      { transaction },
    );
  }

  private async uniqueSlug(wanted: string | undefined, title: string, transaction: Transaction): Promise<string> {
    if (wanted) return wanted;
    const base = slugify(title);
    for (let n = 1; ; n++) {
      const slug = n === 1 ? base : `${base}-${n}`;
      if (!(await CodingTask.count({ where: { slug }, transaction }))) return slug;
    }
  }

  async create(user: Actor, input: CreateTaskInput) {
    const { tests, ...fields } = input;
    checkTests(tests);
    this.checkStarterCode(fields.languages, fields.starterCode);
    await this.checkClassroom(user, fields.classroomId);
    try {
      const id = await this.sequelize.transaction(async (transaction) => {
        const slug = await this.uniqueSlug(fields.slug, fields.title, transaction);
        const task = await CodingTask.create({ ...fields, slug, classroomId: fields.classroomId ?? null, createdBy: user.id }, { transaction });
        await this.writeTests(task.id, tests, transaction);
        return task.id;
      });
      return this.get(user, id);
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw new ConflictError('A task with this slug exists', 'SLUG_TAKEN');
      throw err;
    }
  }

  async update(user: Actor, id: string, fields: TaskFields) {
    const task = await this.findManageable(user, id);
    if (fields.classroomId !== undefined) await this.checkClassroom(user, fields.classroomId);
    const changes = { ...fields };
    if (fields.languages && !fields.starterCode) {
      // starter code of a language the task no longer accepts goes with it
      changes.starterCode = Object.fromEntries(
        Object.entries(task.starterCode).filter(([language]) => fields.languages!.includes(language as CodingLanguage)),
      );
    }
    this.checkStarterCode(changes.languages ?? task.languages, changes.starterCode ?? task.starterCode);
    try {
      await task.update(changes);
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw new ConflictError('A task with this slug exists', 'SLUG_TAKEN');
      throw err;
    }
    return this.get(user, task.id);
  }

  /** Replaces the whole test set; graded submissions keep the results they had (a rejudge re-grades them). */
  async replaceTests(user: Actor, id: string, tests: TestInput[]) {
    const task = await this.findManageable(user, id);
    checkTests(tests);
    await this.sequelize.transaction(async (transaction) => {
      await this.writeTests(task.id, tests, transaction);
      task.changed('updatedAt', true);
      await task.save({ transaction });
    });
    return this.get(user, task.id);
  }

  async remove(user: Actor, id: string): Promise<void> {
    const task = await this.findManageable(user, id);
    await task.destroy();
  }
}
