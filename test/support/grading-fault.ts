import request from 'supertest';
import { expect } from 'chai';
import { Op } from 'sequelize';
import { CodingSubmission, type CodingTask } from '../../common/models';
import type { GemaApp } from '../../api/app';
import type { RunningWorker } from '../coding-lab/helpers';
import { bearer, type TestUser } from './factories';
import { until } from './until';

/** A program that keeps a runner busy for a while, so a fault lands while some grading is running. */
export const BUSY_THEN_DONE = 'const t = Date.now(); while (Date.now() - t < 400) {} console.log("done")';

/**
 * Counts the `grading:completed` events a worker publishes, per submission: the announcement a
 * student sees once per grade. The worker's real publisher still sends every event.
 */
export function countCompletions(worker: RunningWorker): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (event: string, payload: unknown) => {
    if (event !== 'grading:completed') return;
    const id = (payload as { submissionId: string }).submissionId;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  };
  const realtime = worker.deps.realtime;
  // events go out one by one, or several in one pipeline (worker/grading/events.ts): count both
  const publish = realtime.publish.bind(realtime);
  realtime.publish = ((rooms, event, payload, ...rest) => {
    count(event, payload);
    return publish(rooms, event, payload, ...rest);
  }) as typeof realtime.publish;
  const publishBatch = realtime.publishBatch.bind(realtime);
  realtime.publishBatch = (events, options) => {
    for (const e of events) count(e.event, e.payload);
    return publishBatch(events, options);
  };
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

/** What a fault spec has set up by the time the service it stopped comes back. */
export interface RecoveringSchool {
  app: GemaApp;
  worker: RunningWorker;
  completions: Map<string, number>;
  task: CodingTask;
  students: TestUser[];
  /** the submissions the API accepted before and during the fault */
  accepted: string[];
}

/**
 * The promises every fault spec makes once the service is back (`restart` brings it back):
 * every accepted submission graded, each grade announced once, new submissions taken again,
 * all without restarting the API or the worker.
 */
export function describeRecovery(service: string, restart: () => Promise<void>, school: () => RecoveringSchool, settleMs: number): void {
  describe(`after ${service} returns`, () => {
    before(restart);

    it('grades every accepted submission, without a restart of the API or the worker', async () => {
      const { accepted } = school();
      await until(() => allSettled(accepted), settleMs);
      const rows = await CodingSubmission.findAll({ where: { id: accepted } });
      expect(rows.map((r) => [r.status, r.verdict])).to.deep.equal(accepted.map(() => ['completed', 'accepted']));
    });

    it('announces each grade exactly once', async () => {
      const { accepted, worker, completions } = school();
      // nothing left on the queue, so no second completion can still be on its way
      await until(async () => {
        const counts = await worker.deps.queues.grading.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(counts).every((n) => n === 0);
      }, 60_000);
      expect(accepted.map((id) => completions.get(id) ?? 0)).to.deep.equal(accepted.map(() => 1));
    });

    it('takes new submissions again', async () => {
      const { app, students, task } = school();
      await until(async () => (await request(app).get('/api/v2/coding-lab/tasks').set(bearer(students[0]!))).status === 200);
      await submitThroughApi(app, students[1]!, task, 'console.log("done")').expect(202);
    });
  });
}
