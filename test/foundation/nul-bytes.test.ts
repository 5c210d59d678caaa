import express from 'express';
import request from 'supertest';
import { expect } from 'chai';
import { app, apiDeps } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { errorHandler } from '../../api/middleware/error-handler';
import { createLogger } from '../../common/logger';
import { Assignment } from '../../common/models';
import { DAY } from '../learning/helpers';

describe('NUL characters in input', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  before(async () => {
    app();
    school = await createSchool();
  });

  const task = (overrides: Record<string, unknown>) => ({
    title: 'Echo',
    languages: ['python'],
    tests: [{ name: 'one', stdin: '1', expected: '1' }],
    ...overrides,
  });

  it('refuses a NUL in a text column value with 400 naming the field, and stores nothing', async () => {
    const title = `nul-title-${Date.now()}\u0000b`;
    const res = await request(app())
      .post('/api/v2/admin/assignments')
      .set(bearer(school.teacher))
      .send({ title, classroomId: school.classroom.id, kind: 'text', dueAt: new Date(Date.now() + DAY).toISOString(), maxPoints: 10 })
      .expect(400);
    expect(res.body.error.details).to.deep.equal([
      { field: 'title', message: 'Text may not contain the NUL character (\\u0000)', type: 'string.nul' },
    ]);
    expect(await Assignment.count({ where: { classroomId: school.classroom.id } })).to.equal(0);
  });

  it('refuses a NUL inside an array stored as JSON (coding-task tags) with 400, not 500', async () => {
    const res = await request(app())
      .post('/api/v2/coding-lab/tasks')
      .set(bearer(school.teacher))
      .send(task({ tags: ['a\u0000b'] }))
      .expect(400);
    expect(res.body.error.details[0].field).to.equal('tags.0');
  });

  it('refuses a NUL in starter code with 400', async () => {
    const res = await request(app())
      .post('/api/v2/coding-lab/tasks')
      .set(bearer(school.teacher))
      .send(task({ starterCode: { python: 'print(1)\u0000' } }))
      .expect(400);
    expect(res.body.error.details[0].field).to.equal('starterCode.python');
  });

  it('refuses a NUL in a query string with 400', async () => {
    const res = await request(app()).get('/api/v2/admin/assignments?q=a%00b').set(bearer(school.teacher)).expect(400);
    expect(res.body.error.details[0].field).to.equal('query.q');
  });

  it('answers 400 INVALID_VALUE for a PostgreSQL data exception that slips past validation, never 500', async () => {
    const tiny = express();
    tiny.get('/store', async (_req, _res, next) => {
      try {
        await apiDeps().sequelize.query('SELECT $1::jsonb', { bind: ['["a\\u0000b"]'] });
        next();
      } catch (err) {
        next(err);
      }
    });
    tiny.use(errorHandler({ logger: createLogger({ log: { level: 'silent', format: 'json' } }, 'test'), exposeStack: true }));
    const res = await request(tiny).get('/store').expect(400);
    expect(res.body.error.code).to.equal('INVALID_VALUE');
    expect(res.body.error.details).to.equal(undefined);
  });
});
