import crypto from 'node:crypto';
import express from 'express';
import Joi from 'joi';
import request from 'supertest';
import { expect } from 'chai';
import { validate, type Schemas } from '../../api/http/validate';
import { errorHandler } from '../../api/middleware/error-handler';
import { createLogger } from '../../common/logger';

/** A signed-in caller's POST /things checked by `schemas`, answering what was validated. */
function appValidating(schemas: Schemas): express.Express {
  const tiny = express();
  tiny.use(express.json());
  tiny.use((req, _res, next) => {
    req.user = { id: crypto.randomUUID(), role: 'student' } as Express.User;
    next();
  });
  tiny.post('/things', validate(schemas), (req, res) => {
    res.json({ data: req.valid.body });
  });
  tiny.use(errorHandler({ logger: createLogger({ log: { level: 'silent', format: 'json' } }, 'test'), exposeStack: false }));
  return tiny;
}

describe('Validation of odd inputs', () => {
  it('refuses a NUL character in a key, naming the key', async () => {
    const tiny = appValidating({ body: Joi.object().unknown(true) });
    const res = await request(tiny)
      .post('/things')
      .send({ nested: { 'bad\u0000key': 1 } })
      .expect(400);
    expect(res.body.error.details[0]).to.include({ field: 'nested.bad\u0000key', type: 'string.nul' });
  });

  it('refuses a number sent as a string inside a list, naming its position', async () => {
    const tiny = appValidating({ body: Joi.object({ scores: Joi.array().items(Joi.number()) }) });
    const res = await request(tiny)
      .post('/things')
      .send({ scores: [1, '2'] })
      .expect(400);
    expect(res.body.error.details[0]).to.include({ field: 'scores.1', type: 'number.base' });
  });

  it('accepts a list of numbers sent as numbers', async () => {
    const tiny = appValidating({ body: Joi.object({ scores: Joi.array().items(Joi.number()) }) });
    const res = await request(tiny)
      .post('/things')
      .send({ scores: [1, 2] })
      .expect(200);
    expect(res.body.data).to.deep.equal({ scores: [1, 2] });
  });

  it('drops a key the schema strips without looking for conversions in it', async () => {
    const tiny = appValidating({ body: Joi.object({ legacy: Joi.any().strip(), n: Joi.number() }) });
    const res = await request(tiny).post('/things').send({ legacy: '7', n: 3 }).expect(200);
    expect(res.body.data).to.deep.equal({ n: 3 });
  });

  it('names the missing peer of a rule over several keys by the part it belongs to', async () => {
    const tiny = appValidating({ body: Joi.object({ a: Joi.string(), b: Joi.string() }).or('a', 'b') });
    const res = await request(tiny).post('/things').send({}).expect(400);
    expect(res.body.error.details[0]).to.include({ field: 'body', type: 'object.missing' });
  });
});
