import request from 'supertest';
import { expect } from 'chai';
import { isolatedApp } from '../support/deps';
import { createSchool, createUser, bearer, type TestUser } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { FAIL_FAST_BOUND_MS, startOwnRedis, type OwnRedis } from '../support/services';
import { waitForRedis } from '../../common/redis';
import { until } from '../support/until';
import { countCompletions, describeRecovery, submitThroughApi } from '../support/grading-fault';
import { makeTask, startGradingWorker, testCase, type RunningWorker } from '../coding-lab/helpers';
import { SHORT_LOCK } from '../coding-lab/fixtures/grading-worker';
import { CodingSubmission, type CodingTask } from '../../common/models';
import type { GemaApp } from '../../api/app';
import type { ApiDeps } from '../../api/deps';

/**
 * Redis is killed (SIGKILL) while the API takes submissions and a worker grades them, then started
 * again on the same port. It runs as production should (README.md#docker-compose): append-only file
 * on, here synced on every write, so what Redis acknowledged survives the kill.
 */
describe('faults: Redis killed and restarted while the API serves and a worker grades', function () {
  this.timeout(120_000);
  let redis: OwnRedis;
  let app: GemaApp;
  let deps: ApiDeps;
  let worker: RunningWorker | undefined;
  let completions: Map<string, number>;
  let task: CodingTask;
  let students: TestUser[];
  const accepted: string[] = [];

  before(async () => {
    const school = await createSchool();
    redis = await startOwnRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}faults-grading:` };
    ({ app, deps } = isolatedApp(env));
    await waitForRedis(deps.redis);
    task = await makeTask({ classroomId: school.classroom.id, languages: ['javascript'], tests: [testCase({ expected: 'done' })] });
    students = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createUser({ classroomId: school.classroom.id })));
    worker = await startGradingWorker({ env, concurrency: 2, workerOptions: SHORT_LOCK });
    completions = countCompletions(worker);
  });
  after(async () => {
    await worker?.close();
    await redis?.close();
  });

  it('accepts submissions while Redis is up', async () => {
    for (const student of students) {
      const res = await submitThroughApi(app, student, task).expect(202);
      accepted.push(res.body.data.id as string);
    }
    // the kill below lands while grading is under way
    await until(async () => (await CodingSubmission.count({ where: { id: accepted, status: 'running' } })) > 0);
  });

  describe('while Redis is away', () => {
    before(async () => {
      await redis.stop();
      await until(() => deps.redis.status !== 'ready');
    });

    it('refuses a submission with 503 and Retry-After at once, and stores nothing for it', async () => {
      const before = await CodingSubmission.count({ where: { taskId: task.id } });
      const res = await submitThroughApi(app, students[0]!, task).timeout(FAIL_FAST_BOUND_MS);
      expect(res.status).to.equal(503);
      expect(res.headers['retry-after']).to.be.a('string');
      expect(await CodingSubmission.count({ where: { taskId: task.id } })).to.equal(before);
    });

    it('refuses reads that need Redis with 503 at once', async () => {
      const res = await request(app).get(`/api/v2/coding-lab/submissions/${accepted[0]}`).set(bearer(students[0]!)).timeout(FAIL_FAST_BOUND_MS);
      expect(res.status).to.equal(503);
    });
  });

  describeRecovery(
    'Redis',
    () => redis.start(),
    () => ({ app, worker: worker!, completions, task, students, accepted }),
    90_000,
  );
});
