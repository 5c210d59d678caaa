import crypto from 'node:crypto';
import express from 'express';
import Joi from 'joi';
import request from 'supertest';
import { expect } from 'chai';
import { Sequelize } from 'sequelize';
import { app, apiDeps, isolatedApp } from '../support/deps';
import { validate } from '../../api/http/validate';
import { errorHandler } from '../../api/middleware/error-handler';
import { createLogger } from '../../common/logger';
import { ValidationError } from '../../common/errors';

describe('HTTP basics', () => {
  describe('GET /health', () => {
    it('answers 200 while the process runs', async () => {
      const res = await request(app()).get('/health').expect(200);
      expect(res.body.data.status).to.equal('ok');
    });
  });

  describe('GET /ready', () => {
    it('answers 200 when PostgreSQL and Redis answer', async () => {
      const res = await request(app()).get('/ready').expect(200);
      expect(res.body.data).to.deep.equal({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    });

    it('answers 503 naming Redis when Redis is pointed at a closed port', async () => {
      const { app: broken } = isolatedApp({ REDIS_URL: 'redis://127.0.0.1:1/0' });
      const res = await request(broken).get('/ready').expect(503);
      expect(res.body.error.code).to.equal('NOT_READY');
      expect(res.body.error.message).to.match(/redis/);
      expect(res.body.error.details.postgres).to.equal('ok');
      expect(res.body.error.details.redis).to.not.equal('ok');
    });
  });

  describe('error envelope', () => {
    it('answers an unknown route with 404 in the error shape', async () => {
      const res = await request(app()).get('/api/v2/no-such-thing').expect(404);
      expect(res.body).to.deep.equal({
        error: { code: 'ROUTE_NOT_FOUND', message: 'No route for GET /api/v2/no-such-thing' },
      });
    });

    it('answers malformed JSON with 400 INVALID_JSON', async () => {
      const res = await request(app()).post('/api/v2/anything').set('Content-Type', 'application/json').send('{"email": ').expect(400);
      expect(res.body.error.code).to.equal('INVALID_JSON');
    });

    it('answers a JSON body over 1 MB with 413', async () => {
      const res = await request(app())
        .post('/api/v2/anything')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 10) }))
        .expect(413);
      expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('reports every validation problem of a signed-in caller by field, unknown fields included', async () => {
      const tiny = express();
      tiny.use(express.json());
      tiny.use((req, _res, next) => {
        req.user = { id: crypto.randomUUID(), role: 'student' } as Express.User;
        next();
      });
      tiny.post(
        '/things/:id',
        validate({
          params: Joi.object({ id: Joi.string().uuid().required() }),
          body: Joi.object({ name: Joi.string().required(), age: Joi.number().integer() }),
        }),
        (_req, res) => {
          res.json({ ok: true });
        },
      );
      tiny.use(errorHandler({ logger: createLogger({ log: { level: 'silent', format: 'json' } }, 'test'), exposeStack: false }));
      const res = await request(tiny).post('/things/42').send({ age: 'old', role: 'admin' }).expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
      const fields = (res.body.error.details as { field: string }[]).map((d) => d.field).sort();
      expect(fields).to.deep.equal(['age', 'name', 'params.id', 'role']);
    });

    it("caps a service's own list of problems at 20 like the validator's", async () => {
      const tiny = express();
      tiny.get('/many', () => {
        throw new ValidationError(Array.from({ length: 30 }, (_, i) => ({ field: `f${i}`, message: 'is wrong' })));
      });
      tiny.use(errorHandler({ logger: createLogger({ log: { level: 'silent', format: 'json' } }, 'test'), exposeStack: false }));
      const res = await request(tiny).get('/many').expect(400);
      expect(res.body.error.details).to.have.length(20);
      expect(res.body.error.message).to.contain('30 problems');
    });

    it('hides the stack of an unexpected error in production but gives the request id', async () => {
      const tiny = express();
      tiny.use((req, _res, next) => {
        (req as unknown as { id: string }).id = 'req-1';
        next();
      });
      tiny.get('/boom', () => {
        throw new Error('database exploded');
      });
      tiny.use(errorHandler({ logger: createLogger({ log: { level: 'silent', format: 'json' } }, 'test'), exposeStack: false }));
      const res = await request(tiny).get('/boom').expect(500);
      expect(res.body).to.deep.equal({
        error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side', details: { requestId: 'req-1' } },
      });
    });
  });

  describe('a saturated database pool', () => {
    it('answers 503 with Retry-After when no pooled connection frees up in time, rather than 500', async () => {
      const pool = new Sequelize(apiDeps().config.db.url, { logging: false, pool: { max: 1, acquire: 300 } });
      try {
        const tiny = express();
        tiny.get('/busy', async (_req, res, next) => {
          try {
            await pool.query('SELECT 1');
            res.json({ ok: true });
          } catch (err) {
            next(err);
          }
        });
        tiny.use(errorHandler({ logger: createLogger({ log: { level: 'silent', format: 'json' } }, 'test'), exposeStack: false }));
        // the only connection is held by an open transaction for the whole request
        await pool.transaction(async () => {
          const res = await request(tiny).get('/busy').expect(503);
          expect(res.body.error.code).to.equal('SERVICE_UNAVAILABLE');
          expect(res.headers['retry-after']).to.equal('2');
        });
      } finally {
        await pool.close();
      }
    });
  });

  describe('request id', () => {
    it('echoes a caller-supplied X-Request-Id', async () => {
      const res = await request(app()).get('/health').set('X-Request-Id', 'trace-abc.123').expect(200);
      expect(res.headers['x-request-id']).to.equal('trace-abc.123');
    });

    it('makes one when none is sent', async () => {
      const res = await request(app()).get('/health').expect(200);
      expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    });

    it('replaces one that is not a sane token', async () => {
      const res = await request(app()).get('/health').set('X-Request-Id', 'bad id <script>').expect(200);
      expect(res.headers['x-request-id']).to.not.equal('bad id <script>');
    });
  });

  describe('security headers and CORS', () => {
    it('sets helmet headers and no X-Powered-By', async () => {
      const res = await request(app()).get('/health');
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers).to.not.have.property('x-powered-by');
    });

    it('allows only origins on the allow-list', async () => {
      const { app: withCors } = isolatedApp({ CORS_ORIGINS: 'https://gema.sch.id' });
      const allowed = await request(withCors).get('/health').set('Origin', 'https://gema.sch.id');
      expect(allowed.headers['access-control-allow-origin']).to.equal('https://gema.sch.id');
      const refused = await request(withCors).get('/health').set('Origin', 'https://evil.example');
      expect(refused.headers).to.not.have.property('access-control-allow-origin');
    });
  });

  describe('GET /metrics', () => {
    it('exposes request durations by route pattern', async () => {
      await request(app()).get('/health');
      const res = await request(app()).get('/metrics').expect(200);
      expect(res.text).to.include('http_request_duration_seconds_bucket');
      expect(res.text).to.match(/route="\/health"/);
    });

    it('leaves queue counts to the worker, so web processes do not each report the same Redis figures', async () => {
      const res = await request(app()).get('/metrics').expect(200);
      expect(res.text).not.to.include('bullmq_jobs');
    });
  });

  describe('API document', () => {
    it('serves the OpenAPI document as JSON', async () => {
      const res = await request(app()).get('/api/v2/openapi.json').expect(200);
      expect(res.body.openapi).to.match(/^3\./);
      expect(res.body.paths).to.have.property('/health');
    });

    it('serves Swagger UI at /api/v2/docs/', async () => {
      const res = await request(app()).get('/api/v2/docs/').expect(200);
      expect(res.text).to.include('swagger-ui');
    });
  });
});
