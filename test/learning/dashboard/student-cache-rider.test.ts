import request from 'supertest';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { Express } from 'express';
import { app, apiDeps, isolatedApp } from '../../support/deps';
import { bearer, createSchool } from '../../support/factories';
import { TEST_ENV } from '../../support/env';
import { redisCommandsDuring, redisWritesDuring } from '../../support/redis-watch';
import { ALL_VERSION_KEY, invalidateStudents } from '../../../common/learning/student-cache-versions';
import { makeAssignment, submitText } from '../helpers';

const VERSIONS = `${TEST_ENV.REDIS_PREFIX}learn:v:`;

/** Every Redis command touching the page cache's version keys while `work` runs (MONITOR; `lua:` = run by a script). */
const versionCommandsDuring = (work: () => Promise<unknown>, redis?: Redis) => redisCommandsDuring(VERSIONS, work, redis);

/**
 * The page cache's version keys ride on the global rate limiter's count (`offerStudentVersions`,
 * api/learning/student-cache.ts): a page held in memory costs one Redis command in all.
 */
describe("student page cache: versions read inside the rate limiter's count", () => {
  let school: Awaited<ReturnType<typeof createSchool>>;

  beforeEach(async () => {
    app();
    school = await createSchool();
    await makeAssignment({ classroomId: school.classroom.id, title: 'Loops' });
  });

  const get = (path: string, as = school.student, on: Express = app()) => request(on).get(path).set(bearer(as)).expect(200);

  for (const path of ['/api/v2/student/dashboard', '/api/v2/tutorial/assignments']) {
    it(`sends one Redis command, in one write, for a repeat of ${path}`, async () => {
      // the first request loads the limiter's script and keeps the page in memory; the one measured only hits it
      const first = await get(path);
      const writes = await redisWritesDuring(() => get(path));
      expect(writes).to.have.length(1);
      expect(writes[0])
        .to.match(/EVALSHA/i)
        .and.to.contain(`${VERSIONS}all`)
        .and.to.contain(`${VERSIONS}s:${school.student.id}`)
        .and.to.contain(`${TEST_ENV.REDIS_PREFIX}auth:deny:`);
      expect((await get(path)).headers.etag).to.equal(first.headers.etag);
    });
  }

  it('reads the versions only inside the count (no MGET of its own)', async () => {
    await get('/api/v2/student/dashboard');
    const commands = await versionCommandsDuring(() => get('/api/v2/student/dashboard'));
    expect(commands).to.have.length(2);
    expect(commands[0]).to.match(/^evalsha /i);
    expect(commands[1]).to.match(/^lua:mget /i);
  });

  it('shows a change on the next request', async () => {
    const first = await get('/api/v2/tutorial/assignments');
    await makeAssignment({ classroomId: school.classroom.id, title: 'Arrays' });

    const next = await get('/api/v2/tutorial/assignments');

    expect(next.headers.etag).to.not.equal(first.headers.etag);
    expect((next.body.data as { title: string }[]).map((a) => a.title).sort()).to.deep.equal(['Arrays', 'Loops']);
  });

  it("shows the student's own submission on the next dashboard request", async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, title: 'Essay' });
    expect((await get('/api/v2/student/dashboard')).body.data.counts.submitted).to.equal(0);

    await submitText(school.student, a.id).expect(201);

    expect((await get('/api/v2/student/dashboard')).body.data.counts.submitted).to.equal(1);
  });

  it('builds the page again once its versions were bumped from elsewhere (a worker, another process), seen inside the count', async () => {
    const { redis } = apiDeps();
    const storedTag = async () => String(await redis.hget(`${TEST_ENV.REDIS_PREFIX}learn:pages:${school.student.id}`, 'dashboard')).split('\n')[0];
    await get('/api/v2/student/dashboard');
    const before = await storedTag();
    await invalidateStudents([school.student.id]);

    const commands = await versionCommandsDuring(() => get('/api/v2/student/dashboard'));

    const [all, mine] = await redis.mget(`${VERSIONS}all`, `${VERSIONS}s:${school.student.id}`);
    expect(await storedTag())
      .to.equal(`${all}.${mine}`)
      .and.not.equal(before);
    expect(commands.filter((c) => /mget /i.test(c))).to.have.length(1);
    expect(commands[1]).to.match(/^lua:mget /i);
  });

  it('restarts `learn:v:all` from a random value when the count finds it gone', async () => {
    const { redis } = apiDeps();
    await get('/api/v2/student/dashboard');
    await redis.del(`${TEST_ENV.REDIS_PREFIX}${ALL_VERSION_KEY}`);

    await get('/api/v2/student/dashboard');

    const restarted = await redis.get(`${TEST_ENV.REDIS_PREFIX}${ALL_VERSION_KEY}`);
    expect(Number(restarted)).to.be.greaterThan(1);
  });

  it("reads another student's versions for another student, never the first one's page", async () => {
    await get('/api/v2/student/dashboard');
    const commands = await versionCommandsDuring(() => get('/api/v2/student/dashboard', school.classmate));
    expect(commands.join('\n')).to.contain(`${VERSIONS}s:${school.classmate.id}`).and.not.contain(`${VERSIONS}s:${school.student.id}`);
  });

  it('adds nothing to the count of any other route', async () => {
    await get('/api/v2/auth/session');
    const commands = await versionCommandsDuring(() => get('/api/v2/auth/session'));
    expect(commands).to.deep.equal([]);
  });

  it('adds nothing for a teacher on a cached route (it refuses them)', async () => {
    const commands = await versionCommandsDuring(() => request(app()).get('/api/v2/student/dashboard').set(bearer(school.teacher)).expect(403));
    expect(commands).to.deep.equal([]);
  });

  it('reads the versions with its own MGET when rate limiting is off, and still serves the held page', async () => {
    const { app: unlimited, deps } = isolatedApp({ RATE_LIMIT_ENABLED: 'false' });
    const first = await get('/api/v2/student/dashboard', school.student, unlimited);

    const commands = await versionCommandsDuring(() => get('/api/v2/student/dashboard', school.student, unlimited), deps.redis);

    expect(commands).to.have.length(1);
    expect(commands[0]).to.match(/^mget /i);
    expect((await get('/api/v2/student/dashboard', school.student, unlimited)).headers.etag).to.equal(first.headers.etag);
  });
});
