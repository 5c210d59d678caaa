import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { DAY } from '../learning/helpers';

/** README.md#http-behaviour, rule by rule. */
describe('HTTP behaviour', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  before(async () => {
    app();
    school = await createSchool();
  });

  describe('probes and the document ignore query strings', () => {
    for (const path of ['/health', '/ready', '/metrics', '/api/v2/openapi.json']) {
      it(`GET ${path}?x=1 answers 200, as without the parameter`, async () => {
        await request(app()).get(`${path}?x=1&_=${Date.now()}`).expect(200);
      });
    }

    it('GET /api/v2/docs/?x=1 serves the documentation page', async () => {
      const res = await request(app()).get('/api/v2/docs/?x=1').expect(200);
      expect(res.text).to.contain('swagger-ui');
    });

    it('other routes still refuse a parameter they do not read (400 naming it)', async () => {
      const res = await request(app()).get('/api/v2/student/profile?x=1').set(bearer(school.student)).expect(400);
      expect(res.body.error.details[0].field).to.equal('query.x');
    });
  });

  describe('a path served with other methods', () => {
    it('answers 405 with the methods it serves in Allow', async () => {
      const res = await request(app()).delete('/health').expect(405);
      expect(res.headers.allow).to.equal('GET, HEAD');
      expect(res.body.error.code).to.equal('METHOD_NOT_ALLOWED');
    });

    it('names every method of a path with parameters, whoever asks', async () => {
      const res = await request(app()).put('/api/v2/tutorial/submissions/0b5a2b8e-4f0a-4a57-8d0c-6f1f0e6f2a11').expect(405);
      expect(res.headers.allow).to.equal('GET, HEAD, PATCH');
    });

    it('still answers 404 for a path the app does not serve', async () => {
      const res = await request(app()).delete('/api/v2/no-such-thing').expect(404);
      expect(res.headers.allow).to.equal(undefined);
    });
  });

  describe('paths match case-sensitively', () => {
    it('answers 404 for /api/v2/Student/Profile', async () => {
      await request(app()).get('/api/v2/Student/Profile').set(bearer(school.student)).expect(404);
    });

    it('answers 404 for /HEALTH', async () => {
      await request(app()).get('/HEALTH').expect(404);
    });

    it('serves /api/v2/student/profile as written', async () => {
      await request(app()).get('/api/v2/student/profile').set(bearer(school.student)).expect(200);
    });
  });

  describe('JSON bodies keep their types', () => {
    const assignment = (overrides: Record<string, unknown> = {}) => ({
      title: 'Types',
      classroomId: school.classroom.id,
      kind: 'text',
      dueAt: new Date(Date.now() + 5 * DAY).toISOString(),
      maxPoints: 50,
      ...overrides,
    });
    const create = (body: Record<string, unknown>) => request(app()).post('/api/v2/admin/assignments').set(bearer(school.teacher)).send(body);

    it('refuses a number sent as a string ("50") with 400 naming the field', async () => {
      const res = await create(assignment({ maxPoints: '50' })).expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
      expect(res.body.error.details).to.deep.equal([
        { field: 'maxPoints', message: 'maxPoints must be a number, not a string', type: 'number.base' },
      ]);
    });

    it('refuses a boolean sent as a string inside a nested object', async () => {
      const res = await create(assignment({ latePolicy: { acceptLate: 'true' } })).expect(400);
      expect(res.body.error.details[0].field).to.equal('latePolicy.acceptLate');
    });

    it('still reads dates from their ISO text and accepts real numbers (201)', async () => {
      const res = await create(assignment()).expect(201);
      expect(res.body.data.maxPoints).to.equal(50);
    });

    it('still converts query strings, which are text by nature', async () => {
      const res = await request(app()).get('/api/v2/admin/assignments?page=1&pageSize=5').set(bearer(school.teacher)).expect(200);
      expect(res.body.meta).to.include({ page: 1, pageSize: 5 });
    });
  });
});
