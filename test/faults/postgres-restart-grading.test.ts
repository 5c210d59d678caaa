import { expect } from 'chai';
import { isolatedApp } from '../support/deps';
import { createSchool, createUser, type TestUser } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { FAIL_FAST_BOUND_MS } from '../support/services';
import { startMigratedPostgres } from '../support/own-database';
import { until } from '../support/until';
import { countCompletions, describeRecovery, submitThroughApi } from '../support/grading-fault';
import { makeTask, startGradingWorker, testCase, type RunningWorker } from '../coding-lab/helpers';
import { SHORT_LOCK } from '../coding-lab/fixtures/grading-worker';
import { CodingSubmission, type CodingTask } from '../../common/models';
import type { GemaApp } from '../../api/app';

/**
 * PostgreSQL is shut down (immediate: connections cut) while the API takes submissions and a
 * worker grades them, then started again. A grading whose writes fail is retried by its job with
 * backoff; the backoff here (1 s, doubling) outlasts the outage as production's (2 s) would.
 */
describe('faults: PostgreSQL restarted while the API serves and a worker grades', function () {
  this.timeout(150_000);
  let own: Awaited<ReturnType<typeof startMigratedPostgres>>;
  let app: GemaApp;
  let worker: RunningWorker | undefined;
  let completions: Map<string, number>;
  let task: CodingTask;
  let students: TestUser[];
  const accepted: string[] = [];

  before(async function () {
    this.timeout(150_000);
    own = await startMigratedPostgres();
    const env = { DATABASE_URL: own.url, REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}faults-pg-grading:`, JOB_BACKOFF_MS: '1000' };
    ({ app } = isolatedApp(env));
    worker = await startGradingWorker({ env, concurrency: 2, workerOptions: SHORT_LOCK });
    completions = countCompletions(worker);
    const school = await createSchool();
    task = await makeTask({ classroomId: school.classroom.id, languages: ['javascript'], tests: [testCase({ expected: 'done' })] });
    students = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createUser({ classroomId: school.classroom.id })));
  });
  after(async () => {
    await worker?.close();
    await own?.release();
  });

  it('accepts submissions while PostgreSQL is up', async () => {
    for (const student of students) {
      const res = await submitThroughApi(app, student, task).expect(202);
      accepted.push(res.body.data.id as string);
    }
    await until(async () => (await CodingSubmission.count({ where: { id: accepted, status: 'running' } })) > 0);
  });

  describe('while PostgreSQL is away', () => {
    before(async () => {
      await own.pg.stop();
    });

    it('refuses a submission with 503 and Retry-After', async () => {
      const res = await submitThroughApi(app, students[0]!, task).timeout(FAIL_FAST_BOUND_MS);
      expect(res.status).to.equal(503);
      expect(res.body.error.code).to.equal('SERVICE_UNAVAILABLE');
      expect(res.headers['retry-after']).to.be.a('string');
    });
  });

  describeRecovery(
    'PostgreSQL',
    () => own.pg.start(),
    () => ({ app, worker: worker!, completions, task, students, accepted }),
    120_000,
  );
});
