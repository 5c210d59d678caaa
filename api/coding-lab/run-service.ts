import type { ConnectionOptions } from 'bullmq';
import { Op } from 'sequelize';
import { CodingRun, CodingTestCase, type CodingLanguage } from '../../common/models';
import { NotFoundError, UnprocessableError } from '../../common/errors';
import { bullmq, bullPrefix, enqueue } from '../../common/queues';
import { createRedis, closeRedis } from '../../common/redis';
import { runJobId } from '../../common/grading/job-ids';
import type { ApiDeps } from '../deps';
import type { Actor } from '../access/classrooms';
import { isUuid } from './submission-access';
import { sourceFiles } from './files';
import { assertQueueHasRoom } from '../../common/queues/depth-guard';
import { presentRun } from './present';
import type { FileInput } from './schemas';
import type { CodingTaskService } from './task-service';
import type { CodingLanguageService } from './language-service';

export interface RunInput {
  language: CodingLanguage;
  files?: FileInput[];
  source?: string;
  stdin?: string;
  taskId?: string;
}

/** How long `POST /run` holds the request before answering 202 with the run's id. */
export const RUN_WAIT_MS = 20_000;

export class CodingRunService {
  constructor(
    private readonly deps: Pick<ApiDeps, 'queues' | 'config' | 'logger'>,
    private readonly tasks: CodingTaskService,
    private readonly languages: Pick<CodingLanguageService, 'assertRunnable'>,
  ) {}

  /** "Run samples" needs a task the caller may see, in one of its languages, with samples to run. */
  private async sampleTask(user: Actor, taskId: string, language: CodingLanguage): Promise<string> {
    const task = await this.tasks.findViewable(user, taskId);
    if (!task.languages.includes(language)) {
      throw new UnprocessableError('LANGUAGE_NOT_ALLOWED', `This task accepts ${task.languages.join(', ')}`);
    }
    const samples = await CodingTestCase.count({ where: { taskId: task.id, sample: true, visibility: { [Op.eq]: 'show' } } });
    if (samples === 0) throw new UnprocessableError('NO_SAMPLES', 'This task has no sample tests to run');
    return task.id;
  }

  /**
   * Queues a playground run. With `wait` the request holds until the worker finishes (BullMQ
   * QueueEvents), so the answer is the output; past RUN_WAIT_MS it answers `finished: false`.
   */
  async run(user: Actor, input: RunInput, wait: boolean): Promise<{ finished: boolean; data: ReturnType<typeof presentRun> }> {
    const files = sourceFiles(input.language, input);
    const taskId = input.taskId ? await this.sampleTask(user, input.taskId, input.language) : null;
    await this.languages.assertRunnable(input.language);
    await assertQueueHasRoom(this.deps.queues.grading, this.deps.config.sandbox.gradingQueueMaxDepth, 'grading');
    const run = await CodingRun.create({ userId: user.id, language: input.language, files, stdin: input.stdin ?? '', taskId });
    // a playground run is cheap to repeat and nobody waits long for it: one retry at most
    const opts = { jobId: runJobId(run.id), attempts: 2 };
    if (!wait) {
      await enqueue(this.deps.queues, 'grading', { kind: 'run', runId: run.id }, opts);
      return { finished: false, data: presentRun(run) };
    }
    // listening starts before the job exists, and waitUntilFinished also checks the job's stored
    // state, so a run that finishes at once is not missed
    // QueueEvents blocks on its connection, so it gets one of its own for the wait
    const connection = createRedis(this.deps.config, 'subscriber', this.deps.logger);
    const events = new (bullmq().QueueEvents)('grading', { connection: connection as ConnectionOptions, prefix: bullPrefix(this.deps.config) });
    try {
      await events.waitUntilReady();
      await enqueue(this.deps.queues, 'grading', { kind: 'run', runId: run.id }, opts);
      const job = await this.deps.queues.grading.getJob(runJobId(run.id));
      await job?.waitUntilFinished(events, RUN_WAIT_MS).catch(() => undefined);
    } finally {
      await events.close();
      await closeRedis(connection);
    }
    await run.reload();
    return { finished: run.status === 'completed' || run.status === 'failed', data: presentRun(run) };
  }

  async get(user: Actor, id: string) {
    const run = isUuid(id) ? await CodingRun.findByPk(id) : null;
    if (!run || (run.userId !== user.id && user.role !== 'admin')) throw new NotFoundError('Run');
    return presentRun(run);
  }
}
