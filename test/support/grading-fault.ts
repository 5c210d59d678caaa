import request from 'supertest';
import { Op } from 'sequelize';
import { CodingSubmission, type CodingTask } from '../../common/models';
import type { GemaApp } from '../../api/app';
import type { RunningWorker } from '../coding-lab/helpers';
import { bearer, type TestUser } from './factories';

/** A program that keeps a runner busy for a while, so a fault lands while some grading is running. */
export const BUSY_THEN_DONE = 'const t = Date.now(); while (Date.now() - t < 400) {} console.log("done")';

/**
 * Counts the `grading:completed` events a worker publishes, per submission: the announcement a
 * student sees once per grade. The worker's real publisher still sends every event.
 */
export function countCompletions(worker: RunningWorker): Map<string, number> {
  const counts = new Map<string, number>();
  const realtime = worker.deps.realtime;
  const publish = realtime.publish.bind(realtime);
  realtime.publish = ((rooms, event, payload, ...rest) => {
    if (event === 'grading:completed') {
      const id = (payload as { submissionId: string }).submissionId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return publish(rooms, event, payload, ...rest);
  }) as typeof realtime.publish;
  return counts;
}

/** Submits through the API as `student`; answers the response, accepted or not. */
export function submitThroughApi(app: GemaApp, student: TestUser, task: CodingTask, source = BUSY_THEN_DONE) {
  return request(app).post('/api/v2/coding-lab/submissions').set(bearer(student)).send({ taskId: task.id, language: 'javascript', source });
}

/** True once every one of the submissions is stored and none is queued or running any more. */
export async function allSettled(ids: string[]): Promise<boolean> {
  const [stored, pending] = await Promise.all([
    CodingSubmission.count({ where: { id: ids } }),
    CodingSubmission.count({ where: { id: ids, status: { [Op.in]: ['queued', 'running'] } } }),
  ]);
  return stored === ids.length && pending === 0;
}
