import { Op, QueryTypes, type WhereOptions } from 'sequelize';
import { WebEvaluation, WebProject, WebVersion } from '../../common/models';
import { ConflictError, RateLimitedError, UnprocessableError } from '../../common/errors';
import { enqueue } from '../../common/queues';
import { webCheckJobId } from '../../common/queues/jobs/web-checks';
import { assertQueueHasRoom } from '../../common/queues/depth-guard';
import { assessLateness } from '../../common/learning/late-policy';
import { rooms } from '../../common/realtime/events';
import { limitOffset, type Pagination } from '../../common/paging';
import { validateTree } from '../../common/web-lab/file-tree';
import type { WebFile } from '../../common/web-lab/types';
import { taughtClassroomIds, type Actor } from '../access/classrooms';
import type { ApiDeps } from '../deps';
import { findReadableVersion, isStaff } from './access';
import { presentVersion, presentVersionSummary } from './present';
import type { WebProjectService } from './project-service';

export interface SubmitInput {
  assignmentId: string;
  files?: WebFile[];
}

export interface SubmissionListQuery extends Pagination {
  assignmentId?: string;
  userId?: string;
}

/** how long a student told "too many waiting" should wait: about one version's checks */
const PENDING_RETRY_AFTER_S = 5;

type Deps = Pick<ApiDeps, 'sequelize' | 'queues' | 'realtime' | 'config' | 'logger'>;

export class WebSubmissionService {
  constructor(
    private readonly deps: Deps,
    private readonly projects: WebProjectService,
  ) {}

  /**
   * Locks the current draft (or the files sent, which become the draft) into a new immutable
   * version and queues its checks. Lateness follows the learning core's policy
   * (common/learning/late-policy.ts): refused late work is a 422 with the core's reason code.
   */
  async submit(user: Actor, input: SubmitInput) {
    const assignment = await this.projects.studentAssignment(user, input.assignmentId);
    const now = new Date();
    const late = assessLateness(assignment.dueAt, now, {
      acceptLate: assignment.acceptLate,
      penaltyPercentPerDay: assignment.latePenaltyPercent,
      maxLateDays: assignment.maxLateDays,
    });
    if (!late.accepted) throw new UnprocessableError(late.reason, `The due date has passed (${late.daysLate} day(s) late)`);
    await assertQueueHasRoom(this.deps.queues['web-checks'], this.deps.config.webLab.queueMaxDepth, 'web checks');
    if (input.files) await this.projects.write(user, assignment, validateTree(input.files, this.deps.config.webLab), undefined);

    const version = await this.deps.sequelize.transaction(async (transaction) => {
      // one submitter at a time per student, so two requests at once cannot both take the last slot
      await this.deps.sequelize.query('SELECT pg_advisory_xact_lock(hashtext(:key))', {
        replacements: { key: `web-submit:${user.id}` },
        type: QueryTypes.SELECT,
        transaction,
      });
      const pending = await WebVersion.count({ where: { userId: user.id, status: 'checking' }, transaction });
      if (pending >= this.deps.config.webLab.maxPendingPerUser) {
        throw new RateLimitedError(
          PENDING_RETRY_AFTER_S,
          `At most ${this.deps.config.webLab.maxPendingPerUser} versions may wait for their checks at once`,
          'TOO_MANY_PENDING',
        );
      }
      const project = await WebProject.findOne({
        where: { assignmentId: assignment.id, userId: user.id },
        transaction,
        lock: transaction.LOCK.UPDATE,
      });
      if (!project || project.files.length === 0) throw new UnprocessableError('EMPTY_PROJECT', 'Save some files before submitting');
      if (project.status === 'graded') throw new ConflictError('This project is graded and can no longer change', 'PROJECT_GRADED');
      const [{ n }] = await this.deps.sequelize.query<{ n: number }>(
        'SELECT COALESCE(MAX(number), 0)::int AS n FROM web_versions WHERE project_id = :p',
        {
          replacements: { p: project.id },
          type: QueryTypes.SELECT,
          transaction,
        },
      );
      await project.update({ status: 'submitted', submittedAt: now }, { transaction });
      return WebVersion.create(
        {
          projectId: project.id,
          assignmentId: assignment.id,
          userId: user.id,
          classroomId: project.classroomId,
          number: n + 1,
          files: project.files,
          daysLate: late.daysLate,
          penaltyPercent: late.penaltyPercent,
        },
        { transaction },
      );
    });
    // announced before the job exists, so `queued` always reaches clients ahead of `started`
    this.deps.realtime.publish(
      [rooms.user(user.id), rooms.webVersion(version.id), ...(version.classroomId ? [rooms.classroomTeachers(version.classroomId)] : [])],
      'web-check:queued',
      { versionId: version.id },
    );
    await this.enqueueCheck(version.id);
    return { id: version.id, number: version.number, status: version.status };
  }

  async enqueueCheck(versionId: string, recheckId?: string) {
    try {
      await enqueue(
        this.deps.queues,
        'web-checks',
        { kind: 'version', versionId, ...(recheckId ? { recheckId } : {}) },
        { jobId: webCheckJobId(versionId, Date.now()) },
      );
    } catch (err) {
      this.deps.logger.warn('web-checks enqueue failed', { versionId, error: (err as Error).message });
      await WebVersion.update({ status: 'failed', error: 'could not be queued; re-run the checks' }, { where: { id: versionId } });
    }
  }

  async get(user: Actor, id: string) {
    const v = await findReadableVersion(user, id);
    const [evaluations, project] = await Promise.all([
      WebEvaluation.findAll({ where: { versionId: v.id }, order: [['createdAt', 'ASC']] }),
      WebProject.findByPk(v.projectId, { attributes: ['status'] }),
    ]);
    return presentVersion(v, isStaff(user), evaluations, project?.status ?? 'submitted');
  }

  /** Students list their own; teachers their classrooms'; admins everything. */
  async list(user: Actor, query: SubmissionListQuery) {
    const filters: WhereOptions[] = [];
    if (user.role === 'student') filters.push({ userId: user.id });
    if (user.role === 'teacher') filters.push({ classroomId: { [Op.in]: await taughtClassroomIds(user.id) } });
    if (query.assignmentId) filters.push({ assignmentId: query.assignmentId });
    if (query.userId) filters.push({ userId: query.userId });
    const { rows, count } = await WebVersion.findAndCountAll({
      where: { [Op.and]: filters },
      attributes: { exclude: ['files', 'results'] },
      order: [
        ['createdAt', 'DESC'],
        ['id', 'DESC'],
      ],
      ...limitOffset(query),
    });
    return { data: rows.map(presentVersionSummary), total: count };
  }

  /** Re-runs one version's checks (staff who may grade it). */
  async recheck(versionId: string) {
    await WebVersion.update({ status: 'checking', error: null }, { where: { id: versionId } });
    this.deps.realtime.publish([rooms.webVersion(versionId)], 'web-check:queued', { versionId });
    await this.enqueueCheck(versionId);
    return { id: versionId, status: 'checking' as const };
  }
}
