import crypto from 'node:crypto';
import express from 'express';
import Joi from 'joi';
import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { bearer, createUser } from '../support/factories';
import { ApiRouter } from '../../api/http/router';
import { validate } from '../../api/http/validate';
import { errorHandler } from '../../api/middleware/error-handler';
import { createLogger } from '../../common/logger';

const ok: express.RequestHandler = (req, res) => {
  res.json({ data: req.valid ?? null });
};

function serve(router: ApiRouter) {
  const tiny = express();
  tiny.use(express.json());
  tiny.use(router.prefix || '/', router.router);
  tiny.use(errorHandler({ logger: createLogger({ log: { level: 'silent', format: 'json' } }, 'test'), exposeStack: false }));
  return tiny;
}

describe('every route validates its body, query and params', () => {
  it('refuses to register a route with path parameters but no params schema', () => {
    expect(() => new ApiRouter('/api/v2/things').get('/:id', ok)).to.throw(/GET \/api\/v2\/things\/:id has path parameters but no params schema/);
  });

  it('refuses query parameters on a route that declares none, naming each to a signed-in caller', async () => {
    const signedIn: express.RequestHandler = (req, _res, next) => {
      req.user = { id: crypto.randomUUID(), role: 'student' } as Express.User;
      next();
    };
    const tiny = serve(new ApiRouter('/api/v2/things').get('/', signedIn, ok));
    const res = await request(tiny).get('/api/v2/things?role=admin&x=1').expect(400);
    expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    expect((res.body.error.details as { field: string }[]).map((d) => d.field)).to.deep.equal(['query.role', 'query.x']);
  });

  it('names only the first unknown parameter to an anonymous caller', async () => {
    const tiny = serve(new ApiRouter('/api/v2/things').get('/', ok));
    const res = await request(tiny).get('/api/v2/things?role=admin&x=1').expect(400);
    expect((res.body.error.details as { field: string }[]).map((d) => d.field)).to.deep.equal(['query.role']);
  });

  it('answers a route that declares no query when none is sent', async () => {
    await request(serve(new ApiRouter('/api/v2/things').get('/', ok)))
      .get('/api/v2/things')
      .expect(200);
  });

  it('refuses a body on a write that declares none', async () => {
    const tiny = serve(new ApiRouter('/api/v2/things').post('/', ok));
    const res = await request(tiny).post('/api/v2/things').send({ role: 'admin' }).expect(400);
    expect(res.body.error.details[0].field).to.equal('role');
  });

  it('keeps what each of several validators converted', async () => {
    const tiny = serve(
      new ApiRouter('/api/v2/things').get(
        '/:n',
        validate({ params: Joi.object({ n: Joi.number().integer() }) }),
        validate({ query: Joi.object({ page: Joi.number().integer().default(1) }) }),
        ok,
      ),
    );
    const res = await request(tiny).get('/api/v2/things/7').expect(200);
    expect(res.body.data.params).to.deep.equal({ n: 7 });
    expect(res.body.data.query).to.deep.equal({ page: 1 });
  });

  it('refuses an unknown query parameter on a real route, after authentication', async () => {
    const student = await createUser();
    await request(app()).get('/api/v2/auth/session?debug=1').expect(401);
    const res = await request(app()).get('/api/v2/auth/session?debug=1').set(bearer(student)).expect(400);
    expect(res.body.error.details[0].field).to.equal('query.debug');
  });
});
