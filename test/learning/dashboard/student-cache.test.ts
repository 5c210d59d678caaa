import request from 'supertest';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { app, apiDeps, isolatedApp, testWorkerDeps } from '../../support/deps';
import { TEST_ENV } from '../../support/env';
import { bearer, createSchool } from '../../support/factories';
import { notifyUsers } from '../../../common/notifications/create';
import { User } from '../../../common/models';
import { StudentPageCache } from '../../../api/learning/student-cache';
import { DAY, grade, makeAssignment, submitText } from '../helpers';
import { Redis } from 'ioredis';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import {
  ALL_VERSION_KEY,
  invalidateAllStudents,
  invalidateStudents,
  studentVersionKey,
  unwatchStudentCacheWrites,
  watchStudentCacheWrites,
} from '../../../common/learning/student-cache-versions';
import { startOwnRedis } from '../../support/services';
import { until } from '../../support/until';

/** A response as `StudentPageCache.send` uses it, recording what went out. */
function fakeResponse(headers: Record<string, string> = {}) {
  const sent = { status: 0, headers: {} as Record<string, unknown>, body: undefined as Buffer | undefined };
  const res = {
    req: { headers, fresh: false, acceptsEncodings: () => (headers['accept-encoding'] === 'gzip' ? 'gzip' : 'identity') },
    setHeader: (name: string, value: unknown) => void (sent.headers[name.toLowerCase()] = value),
    getHeader: (name: string) => sent.headers[name.toLowerCase()],
    status: (code: number) => {
      sent.status = code;
      return res;
    },
    end: (body?: Buffer) => void (sent.body = body),
  };
  return { res: res as unknown as Parameters<StudentPageCache['send']>[0], sent };
}

/**
 * The student page cache (api/learning/student-cache.ts): pages are answered from Redis, yet any
 * change that affects them, made through the API or by a worker, shows on the very next request.
 */
describe('student page cache', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;

  beforeEach(async () => {
    app();
    school = await createSchool();
  });

  const dashboard = (as = school.student) => request(app()).get('/api/v2/student/dashboard').set(bearer(as)).expect(200);
  const assignments = (as = school.student) => request(app()).get('/api/v2/tutorial/assignments').set(bearer(as)).expect(200);
  const titles = (res: request.Response) => (res.body.data as { title: string }[]).map((a) => a.title).sort();

  it('shows a grade given through the API on the next dashboard request', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, title: 'Loops' });
    const submitted = await submitText(school.student, a.id).expect(201);
    expect((await dashboard()).body.data.counts.submitted).to.equal(1);

    await grade(school.teacher, submitted.body.data.id, { grade: 90, feedback: 'good' }).expect(200);

    const after = (await dashboard()).body.data;
    expect(after.counts.graded).to.equal(1);
    expect(after.latestGrades[0]).to.include({ grade: 90, feedback: 'good' });
  });

  it('lists an assignment published after the list was cached', async () => {
    await makeAssignment({ classroomId: school.classroom.id, title: 'First' });
    expect(titles(await assignments())).to.deep.equal(['First']);

    await makeAssignment({ classroomId: school.classroom.id, title: 'Second' });

    expect(titles(await assignments())).to.deep.equal(['First', 'Second']);
  });

  it("shows the student's own new submission in the list at once", async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, title: 'Essay' });
    expect((await assignments()).body.data[0].mine.state).to.equal('pending');

    await submitText(school.student, a.id).expect(201);

    expect((await assignments()).body.data[0].mine.state).to.equal('submitted');
  });

  it('counts a notification a worker made on the next dashboard request', async () => {
    expect((await dashboard()).body.data.notifications.unread).to.equal(0);

    await notifyUsers(testWorkerDeps().realtime, [school.student.id], { type: 'announcement', title: 'Trip on Friday' });

    expect((await dashboard()).body.data.notifications.unread).to.equal(1);
  });

  it("follows a student moved to another classroom to that classroom's assignments", async () => {
    await makeAssignment({ classroomId: school.classroom.id, title: 'Mine' });
    await makeAssignment({ classroomId: school.other.id, title: 'Theirs' });
    expect(titles(await assignments())).to.deep.equal(['Mine']);

    await User.update({ classroomId: school.other.id }, { where: { id: school.student.id } });

    expect(titles(await assignments())).to.deep.equal(['Theirs']);
  });

  it("never answers one student with another's page", async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, title: 'Shared' });
    await submitText(school.student, a.id).expect(201);
    expect((await assignments()).body.data[0].mine.state).to.equal('submitted');

    expect((await assignments(school.classmate)).body.data[0].mine.state).to.equal('pending');
  });

  it('does not keep a page past the next due time it depends on', async () => {
    const deps = apiDeps();
    const cache = new StudentPageCache(deps.redis, deps.config.redis.prefix, 300);
    await cache.send(fakeResponse().res, school.student.id, 'probe', async () => ({ body: '{}', turnsAt: new Date(Date.now() - DAY) }));

    expect(await deps.redis.hget(`${deps.config.redis.prefix}learn:pages:${school.student.id}`, 'probe')).to.equal(null);
  });

  describe('pages held in the memory of each API process', () => {
    const page = (label: string) => ({ body: JSON.stringify({ data: { label, pad: 'x'.repeat(2000) } }), turnsAt: null });
    /** a page cache as one API process holds it, counting how often it had to build the page */
    const apiProcess = () => {
      const deps = apiDeps();
      const cache = new StudentPageCache(deps.redis, deps.config.redis.prefix, 300);
      let builds = 0;
      let label = 'first';
      const read = async (headers: Record<string, string> = {}) => {
        const { res, sent } = fakeResponse(headers);
        await cache.send(res, school.student.id, 'memory-probe', async () => {
          builds++;
          return page(label);
        });
        return sent;
      };
      return { cache, read, builds: () => builds, changeTo: (l: string) => void (label = l) };
    };

    it('answers a repeat with the same bytes, built once', async () => {
      const one = apiProcess();
      const first = await one.read();
      const second = await one.read();

      expect(one.builds()).to.equal(1);
      expect(second.body).to.equal(first.body);
      expect(second.headers.etag).to.equal(first.headers.etag);
    });

    it('compresses a page once, whatever the number of clients that ask for it compressed', async () => {
      const one = apiProcess();
      await one.read();
      const first = await one.read({ 'accept-encoding': 'gzip' });
      const second = await one.read({ 'accept-encoding': 'gzip' });

      expect(first.headers['content-encoding']).to.equal('gzip');
      expect(second.body).to.equal(first.body);
      expect(JSON.parse(zlib.gunzipSync(second.body!).toString()).data.label).to.equal('first');
    });

    it('takes a page another process stored in Redis without building it', async () => {
      const one = apiProcess();
      const other = apiProcess();
      const built = await one.read();

      expect((await other.read()).body!.equals(built.body!)).to.equal(true);
      expect(other.builds()).to.equal(0);
    });

    it('builds again in every process once a change bumps the versions, whoever made it', async () => {
      const one = apiProcess();
      const other = apiProcess();
      await one.read();
      await other.read();
      one.changeTo('second');
      other.changeTo('second');

      await invalidateStudents([school.student.id]);

      expect(JSON.parse((await one.read()).body!.toString()).data.label).to.equal('second');
      expect(JSON.parse((await other.read()).body!.toString()).data.label).to.equal('second');
    });

    it('serves no page held from before Redis lost its data, however the counters are bumped afterwards', async () => {
      const { redis, config } = apiDeps();
      const loseData = () =>
        redis.del(
          `${config.redis.prefix}${ALL_VERSION_KEY}`,
          `${config.redis.prefix}${studentVersionKey(school.student.id)}`,
          `${config.redis.prefix}learn:pages:${school.student.id}`,
        );
      // counting from nothing, as after a loss, both times
      await loseData();
      await invalidateAllStudents();
      const one = apiProcess();
      await one.read();
      one.changeTo('after the loss');

      await loseData();
      await invalidateAllStudents();

      expect(JSON.parse((await one.read()).body!.toString()).data.label).to.equal('after the loss');
    });

    it('holds no more bytes than its bound, the least used page going first', async () => {
      const { redis, config } = apiDeps();
      // room for two of these pages
      const cache = new StudentPageCache(redis, config.redis.prefix, 300, 5000);
      const built: string[] = [];
      const read = (name: string) =>
        cache.send(fakeResponse().res, school.student.id, name, async () => {
          built.push(name);
          return page(name);
        });
      for (const name of ['a', 'b', 'a', 'c']) await read(name);
      expect(cache.keptSize).to.be.within(1, 5000);
      // what Redis holds would be taken back without a build: only memory answers now
      await redis.del(`${config.redis.prefix}learn:pages:${school.student.id}`);

      await read('a');
      await read('b');

      expect(built).to.deep.equal(['a', 'b', 'c', 'b']);
    });

    it('holds no page larger than its whole bound, and keeps the pages it holds', async () => {
      const { redis, config } = apiDeps();
      // room for one of these pages, not for a page three times their size
      const cache = new StudentPageCache(redis, config.redis.prefix, 300, 3000);
      const send = (name: string, body: string) => cache.send(fakeResponse().res, school.student.id, name, async () => ({ body, turnsAt: null }));
      await send('small', page('small').body);
      const held = cache.keptSize;

      await send('large', JSON.stringify({ pad: 'x'.repeat(6000) }));

      expect(held).to.be.greaterThan(0);
      expect(cache.keptSize).to.equal(held);
    });

    it('compresses a page once for clients that ask for it at the same moment, off the event loop', async () => {
      const { redis, config } = apiDeps();
      const cache = new StudentPageCache(redis, config.redis.prefix, 300);
      const body = page('together').body;
      const clients = [
        fakeResponse({ 'accept-encoding': 'gzip' }),
        fakeResponse({ 'accept-encoding': 'gzip' }),
        fakeResponse({ 'accept-encoding': 'gzip' }),
      ];

      await Promise.all(clients.map(({ res }) => cache.send(res, school.student.id, 'together', async () => ({ body, turnsAt: null }))));

      const sent = clients.map(({ sent }) => sent.body!);
      expect(sent[1]!.equals(sent[0]!)).to.equal(true);
      expect(sent[2]!.equals(sent[0]!)).to.equal(true);
      expect(zlib.gunzipSync(sent[0]!).toString()).to.equal(body);
      // the body and one gzip form: a second compression would have been counted too
      expect(cache.keptSize).to.equal(Buffer.byteLength(body) + sent[0]!.length);
    });

    it('counts where each answer came from on /metrics: built, then Redis, then memory', async () => {
      const { redis, config } = apiDeps();
      const registry = new Registry();
      const cache = new StudentPageCache(redis, config.redis.prefix, 300, 5000, registry);
      const other = new StudentPageCache(redis, config.redis.prefix, 300);
      const read = (c: StudentPageCache) => c.send(fakeResponse().res, school.student.id, 'counted', async () => page('counted'));
      await read(other);

      await read(cache);
      await read(cache);

      const text = await registry.metrics();
      expect(text).to.include('student_page_cache_answers_total{source="built"} 0');
      expect(text).to.include('student_page_cache_answers_total{source="redis"} 1');
      expect(text).to.include('student_page_cache_answers_total{source="memory"} 1');
      expect(text).to.match(/student_page_cache_bytes [1-9]\d*/);
    });
  });

  describe('its memory bound (STUDENT_CACHE_MEMORY_MB)', () => {
    it('holds nothing in memory at 0: every repeat comes from Redis, still current', async () => {
      const { app: holdingNone } = isolatedApp({ STUDENT_CACHE_MEMORY_MB: '0', REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}holdnone:` });
      const a = await makeAssignment({ classroomId: school.classroom.id, title: 'Held nowhere' });
      const read = () => request(holdingNone).get('/api/v2/tutorial/assignments').set(bearer(school.student)).expect(200);
      await read();
      await read();
      await submitText(school.student, a.id).expect(201);

      expect((await read()).body.data[0].mine.state).to.equal('submitted');
      const metrics = (await request(holdingNone).get('/metrics').expect(200)).text;
      expect(metrics).to.include('student_page_cache_answers_total{source="memory"} 0');
      expect(metrics).to.include('student_page_cache_answers_total{source="redis"} 1');
      expect(metrics).to.include('student_page_cache_answers_total{source="built"} 2');
      expect(metrics).to.include('student_page_cache_bytes 0');
    });
  });

  describe('revalidation and compression', () => {
    it('answers 304 with no body when the client sends back the ETag it was given', async () => {
      const first = await dashboard();
      expect(first.headers.etag).to.be.a('string');
      expect(first.headers['cache-control']).to.equal('private, no-cache');

      const again = await request(app())
        .get('/api/v2/student/dashboard')
        .set(bearer(school.student))
        .set('If-None-Match', first.headers.etag!)
        .expect(304);
      expect(again.text).to.equal('');
    });

    it('answers a page from memory with every app-wide header beside its own: security, request id, rate limit', async () => {
      await dashboard();
      const again = await dashboard();

      expect(again.headers['x-content-type-options']).to.equal('nosniff');
      expect(again.headers['x-request-id']).to.be.a('string');
      expect(again.headers.ratelimit).to.match(/^limit=\d+, remaining=\d+, reset=\d+$/);
      expect(again.headers.etag).to.be.a('string');
      expect(again.headers['content-type']).to.equal('application/json; charset=utf-8');
      expect(Number(again.headers['content-length'])).to.equal(Buffer.byteLength(again.text));
    });

    it("keeps CORS's Vary: Origin beside its own Vary, on 200 and on 304", async () => {
      const { app: corsApp } = isolatedApp({ CORS_ORIGINS: 'https://school.example' });
      const get = (etag?: string) => {
        const r = request(corsApp).get('/api/v2/student/dashboard').set(bearer(school.student)).set('Origin', 'https://school.example');
        return etag ? r.set('If-None-Match', etag) : r;
      };
      const first = await get().expect(200);
      const again = await get(first.headers.etag).expect(304);

      for (const res of [first, again]) {
        expect(res.headers.vary).to.equal('Origin, Authorization, Accept-Encoding');
        expect(res.headers['access-control-allow-origin']).to.equal('https://school.example');
      }
    });

    it('answers 200 with the new page once the ETag no longer matches', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, title: 'Later' });
      const first = await assignments();
      await submitText(school.student, a.id).expect(201);

      const again = await request(app())
        .get('/api/v2/tutorial/assignments')
        .set(bearer(school.student))
        .set('If-None-Match', first.headers.etag!)
        .expect(200);
      expect(again.headers.etag).to.not.equal(first.headers.etag);
    });

    it('gzips a large assignment list for a client that accepts it', async () => {
      for (let i = 0; i < 8; i++) await makeAssignment({ classroomId: school.classroom.id, title: `Task ${i}`, dueIn: (i + 1) * DAY });

      const res = await request(app()).get('/api/v2/tutorial/assignments').set(bearer(school.student)).set('Accept-Encoding', 'gzip').expect(200);

      expect(res.headers['content-encoding']).to.equal('gzip');
      expect(res.body.data).to.have.length(8);
    });
  });
});

describe('student page cache: version bumps on a connection that lost its server', () => {
  it('are not queued while it reconnects, so a long outage cannot fill the memory with them', async function () {
    this.timeout(30_000);
    const own = await startOwnRedis();
    const redis = new Redis(own.url, { maxRetriesPerRequest: null, retryStrategy: () => 200 });
    // the refused reconnections are the point of this spec, not news
    redis.on('error', () => undefined);
    try {
      await redis.ping();
      await watchStudentCacheWrites(redis, 'bump-test:');
      await own.stop();
      await until(() => redis.status === 'reconnecting');
      // long enough for the retry timer (200 ms) to take it through `connecting` more than once
      const until2s = Date.now() + 2000;
      while (Date.now() < until2s) {
        await invalidateStudents([crypto.randomUUID()]);
        await new Promise((r) => setTimeout(r, 20));
      }
      // ioredis keeps a command it cannot send in its offline queue until the server is back
      expect((redis as unknown as { offlineQueue: { length: number } }).offlineQueue.length).to.equal(0);
    } finally {
      unwatchStudentCacheWrites(redis);
      redis.disconnect();
      await own.close();
    }
  });
});
