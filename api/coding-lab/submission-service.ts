import crypto from 'node:crypto';
import { Op, QueryTypes, type WhereOptions } from 'sequelize';
import { CodingSubmission, CodingTestCase, type CodingLanguage } from '../../common/models';
import { RateLimitedError, UnprocessableError } from '../../common/errors';
import { enqueue } from '../../common/queues';
import { gradingJobId } from '../../common/grading/job-ids';
import { rooms } from '../../common/realtime/events';
import type { ApiDeps } from '../deps';
import { limitOffset, type Pagination } from '../../common/paging';
import { taughtClassroomIds, type Actor } from '../access/classrooms';
import { CodingSubmissionService } from './submission-access';
import type { CodingTaskService } from './task-service';
import type { CodingLanguageService } from './language-service';
import { sourceFiles } from './files';
import { assertQueueHasRoom } from '../../common/queues/depth-guard';
import { presentSubmission, presentSubmissionSummary } from './present';
import type { FileInput } from './schemas';

export interface SubmitInput {
  taskId: string;
  language: CodingLanguage;
  files?: FileInput[];
  source?: string;
}

export interface SubmissionListQuery extends Pagination {
  taskId?: string;
  userId?: string;
  status?: string;
}

/** How long a student told "too many waiting" should wait: about one grading. */
const PENDING_RETRY_AFTER_S = 10;

const isStaff = (user: Actor) => user.role === 'teacher' || user.role === 'admin';

export class CodingSubmissionWorkflow {
  constructor(
    private readonly deps: Pick<ApiDeps, 'sequelize' | 'queues' | 'realtime' | 'config' | 'logger'>,
    private readonly tasks: CodingTaskService,
    private readonly languages: Pick<CodingLanguageService, 'assertRunnable'>,
  ) {}

  async submit(user: Actor, input: SubmitInput) {
    const task = await this.tasks.findViewable(user, input.taskId);
    if (!task.languages.includes(input.language)) {
      throw new UnprocessableError('LANGUAGE_NOT_ALLOWED', `This task accepts ${task.languages.join(', ')}`);
    }
    const files = sourceFiles(input.language, input);
    await this.languages.assertRunnable(input.language);
    await assertQueueHasRoom(this.deps.queues.grading, this.deps.config.sandbox.gradingQueueMaxDepth, 'grading');

    const id = crypto.randomUUID();
    const maxPending = this.deps.config.sandbox.maxPendingPerUser;
    // One round trip: several statements in one simple query run as one implicit transaction. The
    // advisory lock lets one submitter at a time per student through, so two requests at once cannot
    // both take the last slot; the INSERT is a statement of its own, so its snapshot is taken after the
    // lock and counts what the previous holder committed. No row back: the student has too many waiting.
    const rows = await this.deps.sequelize.query<{ id?: string; status: string; classroom_id: string | null }>(
      `SELECT pg_advisory_xact_lock(hashtext(:key)) AS locked;
       INSERT INTO coding_submissions (id, job_id, task_id, user_id, classroom_id, language, files, attempt)
       SELECT :id, :jobId, :taskId, :userId, (SELECT classroom_id FROM users WHERE id = :userId), :language, CAST(:files AS jsonb),
              (SELECT count(*) FROM coding_submissions WHERE user_id = :userId AND task_id = :taskId) + 1
        WHERE (SELECT count(*) FROM coding_submissions WHERE user_id = :userId AND status IN ('queued', 'running')) < :maxPending
       RETURNING id, status, classroom_id`,
      {
        replacements: {
          key: `coding-submit:${user.id}`,
          id,
          jobId: gradingJobId(id),
          taskId: task.id,
          userId: user.id,
          language: input.language,
          files: JSON.stringify(files),
          maxPending,
        },
        type: QueryTypes.SELECT,
      },
    );
    const row = rows.find((r) => r.id === id);
    if (!row) {
      throw new RateLimitedError(PENDING_RETRY_AFTER_S, `At most ${maxPending} submissions may wait for grading at once`, 'TOO_MANY_PENDING');
    }
    const submission = { id, jobId: gradingJobId(id), status: row.status, classroomId: row.classroom_id };

    // announced before the job exists, so `queued` always reaches clients ahead of `started`
    // with the student-cache bump of the raw INSERT above (no model hook sees it), in one Redis write
    void this.deps.realtime
      .publishBatch(
        [
          {
            rooms: [
              rooms.user(user.id),
              rooms.submission(submission.id),
              ...(submission.classroomId ? [rooms.classroomTeachers(submission.classroomId)] : []),
            ],
            event: 'grading:queued',
            payload: { submissionId: submission.id, taskId: task.id, userId: user.id },
          },
        ],
        { bumpStudents: [user.id] },
      )
      .catch(() => undefined);
    try {
      await enqueue(this.deps.queues, 'grading', { kind: 'submission', submissionId: submission.id }, { jobId: submission.jobId });
    } catch (err) {
      // the row stays queued: the worker's sweep enqueues it once Redis answers again
      this.deps.logger.warn('grading enqueue failed, left to the sweep', { submissionId: submission.id, error: (err as Error).message });
    }
    return { id: submission.id, status: submission.status };
  }

  async get(user: Actor, id: string) {
    const submission = await CodingSubmissionService.findReadable(user, id);
    const testIds = submission.results.map((r) => r.testId);
    const tests = testIds.length ? await CodingTestCase.findAll({ where: { id: testIds }, attributes: ['id', 'stdin', 'expected'] }) : [];
    return presentSubmission(submission, isStaff(user), new Map(tests.map((t) => [t.id, t])), this.deps.config.sandbox.hiddenFigures);
  }

  /** Students list their own; teachers their classrooms' (and their own); admins everything. */
  async list(user: Actor, query: SubmissionListQuery) {
    const filters: WhereOptions[] = [];
    if (user.role === 'student') filters.push({ userId: user.id });
    if (user.role === 'teacher') {
      const taught = await taughtClassroomIds(user.id);
      filters.push({ [Op.or]: [{ userId: user.id }, { classroomId: { [Op.in]: taught } }] });
    }
    if (query.taskId) filters.push({ taskId: query.taskId });
    if (query.userId) filters.push({ userId: query.userId });
    if (query.status) filters.push({ status: query.status });
    const { rows, count } = await CodingSubmission.findAndCountAll({
      where: { [Op.and]: filters },
      attributes: { exclude: ['files', 'results', 'compileOutput'] },
      order: [
        ['createdAt', 'DESC'],
        ['id', 'DESC'],
      ],
      ...limitOffset(query),
    });
    return { data: rows.map(presentSubmissionSummary), total: count };
  }
}
