import { CodingRejudge, CodingTask } from '../../common/models';
import { NotFoundError } from '../../common/errors';
import { enqueue } from '../../common/queues';
import { rejudgeJobId } from '../../common/grading/job-ids';
import type { ApiDeps } from '../deps';
import type { Actor } from '../access/classrooms';
import { mayManageTask } from './access';
import { isUuid } from './submission-access';
import type { CodingTaskService } from './task-service';

export function presentRejudge(r: CodingRejudge) {
  return {
    id: r.id,
    taskId: r.taskId,
    status: r.status,
    total: r.total,
    done: r.done,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  };
}

export class CodingRejudgeService {
  constructor(
    private readonly deps: Pick<ApiDeps, 'queues'>,
    private readonly tasks: CodingTaskService,
  ) {}

  /** One bulk job: the worker finds every student's latest submission and re-grades each. */
  async start(user: Actor, taskId: string) {
    const task = await this.tasks.findManageable(user, taskId);
    const rejudge = await CodingRejudge.create({ taskId: task.id, requestedBy: user.id });
    await enqueue(this.deps.queues, 'grading', { kind: 'rejudge', rejudgeId: rejudge.id }, { jobId: rejudgeJobId(rejudge.id) });
    return presentRejudge(rejudge);
  }

  /** Readable by whoever asked for it, admins, and anyone who may manage the task. */
  static async findReadable(user: Actor, id: string): Promise<CodingRejudge> {
    const rejudge = isUuid(id) ? await CodingRejudge.findByPk(id) : null;
    if (!rejudge) throw new NotFoundError('Rejudge');
    if (user.role === 'admin' || rejudge.requestedBy === user.id) return rejudge;
    const task = await CodingTask.findByPk(rejudge.taskId, { paranoid: false });
    if (!task || !(await mayManageTask(user, task))) throw new NotFoundError('Rejudge');
    return rejudge;
  }

  async get(user: Actor, id: string) {
    return presentRejudge(await CodingRejudgeService.findReadable(user, id));
  }
}
