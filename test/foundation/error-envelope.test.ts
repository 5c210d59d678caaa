import express, { type RequestHandler } from 'express';
import Joi from 'joi';
import { MulterError } from 'multer';
import request from 'supertest';
import { expect } from 'chai';
import { errorHandler } from '../../api/middleware/error-handler';
import { createLogger } from '../../common/logger';
import { NotFoundError } from '../../common/errors';

const silent = createLogger({ log: { level: 'silent', format: 'json' } }, 'test');

/** An app whose one route fails with `err`, answered by the real error handler. */
function failingWith(err: unknown, exposeStack = false): express.Express {
  const tiny = express();
  tiny.get('/fail', () => {
    throw err;
  });
  tiny.use(errorHandler({ logger: silent, exposeStack }));
  return tiny;
}

function tagged(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('Error envelope of errors thrown by libraries', () => {
  it('answers a joi error thrown by a service with 400 VALIDATION_FAILED listing the field', async () => {
    const { error } = Joi.object({ age: Joi.number() }).validate({ age: 'old' });
    const res = await request(failingWith(error)).get('/fail').expect(400);
    expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    expect(res.body.error.details[0].field).to.equal('age');
  });

  it('names the key of a joi problem that has no path, such as a missing peer', async () => {
    const { error } = Joi.object({ a: Joi.string(), b: Joi.string() }).or('a', 'b').validate({});
    const res = await request(failingWith(error)).get('/fail').expect(400);
    expect(res.body.error.details).to.have.length(1);
    expect(res.body.error.details[0].type).to.equal('object.missing');
    expect(res.body.error.details[0].field).to.equal('body');
  });

  it('answers a multer limit thrown outside the upload wrapper with its own 413 code', async () => {
    const res = await request(failingWith(new MulterError('LIMIT_FILE_COUNT')))
      .get('/fail')
      .expect(413);
    expect(res.body.error.code).to.equal('TOO_MANY_FILES');
  });

  it('answers a form with too many parts with 413 TOO_MANY_PARTS', async () => {
    const res = await request(failingWith(new MulterError('LIMIT_PART_COUNT')))
      .get('/fail')
      .expect(413);
    expect(res.body.error).to.include({ code: 'TOO_MANY_PARTS' });
    expect(res.body.error.details).to.deep.equal({ reason: 'LIMIT_PART_COUNT' });
  });

  it('answers a file in a field that takes none with 400 UNEXPECTED_FILE_FIELD', async () => {
    const res = await request(failingWith(new MulterError('LIMIT_UNEXPECTED_FILE')))
      .get('/fail')
      .expect(400);
    expect(res.body.error.code).to.equal('UNEXPECTED_FILE_FIELD');
    expect(res.body.error.message).to.equal('Files are not accepted in the field ""');
  });

  it('answers any other multer refusal with 400 INVALID_UPLOAD naming its reason', async () => {
    const res = await request(failingWith(new MulterError('LIMIT_FIELD_KEY', 'name')))
      .get('/fail')
      .expect(400);
    expect(res.body.error.code).to.equal('INVALID_UPLOAD');
    expect(res.body.error.details).to.deep.equal({ field: 'name', reason: 'LIMIT_FIELD_KEY' });
  });

  it('answers an unparseable body that arrived without its text with 400 INVALID_JSON', async () => {
    const res = await request(failingWith(tagged('bad', { type: 'entity.parse.failed', status: 400 })))
      .get('/fail')
      .expect(400);
    expect(res.body.error.code).to.equal('INVALID_JSON');
  });

  it('answers a JSON scalar body with 400 BODY_NOT_OBJECT', async () => {
    const res = await request(failingWith(tagged('bad', { type: 'entity.parse.failed', body: '42' })))
      .get('/fail')
      .expect(400);
    expect(res.body.error.code).to.equal('BODY_NOT_OBJECT');
  });

  it('answers a body in an unsupported content encoding with 415', async () => {
    const tiny = express();
    tiny.use(express.json());
    tiny.post('/echo', (_req, res) => {
      res.json({ ok: true });
    });
    tiny.use(errorHandler({ logger: silent, exposeStack: false }));
    const res = await request(tiny).post('/echo').set('Content-Type', 'application/json').set('Content-Encoding', 'snappy').send('{}').expect(415);
    expect(res.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a body in an unsupported charset with 415', async () => {
    const tiny = express();
    tiny.use(express.json());
    tiny.post('/echo', (_req, res) => {
      res.json({ ok: true });
    });
    tiny.use(errorHandler({ logger: silent, exposeStack: false }));
    const res = await request(tiny).post('/echo').set('Content-Type', 'application/json; charset=klingon').send('{}').expect(415);
    expect(res.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
  });

  it('passes on the status and message of a library error meant for the client', async () => {
    const res = await request(failingWith(tagged('Range Not Satisfiable', { status: 416 })))
      .get('/fail')
      .expect(416);
    expect(res.body.error).to.deep.equal({ code: 'BAD_REQUEST', message: 'Range Not Satisfiable' });
  });

  it('reads statusCode when a library error has no status', async () => {
    const res = await request(failingWith(tagged('Gone away', { statusCode: 410 })))
      .get('/fail')
      .expect(410);
    expect(res.body.error.message).to.equal('Gone away');
  });

  it('keeps a 4xx library error marked not to be exposed behind a 500', async () => {
    const res = await request(failingWith(tagged('secret detail', { status: 400, expose: false })))
      .get('/fail')
      .expect(500);
    expect(res.body.error.code).to.equal('INTERNAL_ERROR');
    expect(JSON.stringify(res.body)).to.not.contain('secret detail');
  });

  it('treats a library error with a 5xx status as unexpected', async () => {
    const res = await request(failingWith(tagged('upstream broke', { status: 502 })))
      .get('/fail')
      .expect(500);
    expect(res.body.error.code).to.equal('INTERNAL_ERROR');
  });

  it('answers a refused connection to a backing service with 503 and Retry-After', async () => {
    const res = await request(failingWith(tagged('connect ECONNREFUSED 127.0.0.1:9', { code: 'ECONNREFUSED' })))
      .get('/fail')
      .expect(503);
    expect(res.body.error.code).to.equal('SERVICE_UNAVAILABLE');
    expect(res.headers['retry-after']).to.match(/^\d+$/);
  });

  it('answers a NotFoundError with 404 and its code', async () => {
    const res = await request(failingWith(new NotFoundError('Lesson')))
      .get('/fail')
      .expect(404);
    expect(res.body.error.code).to.equal('NOT_FOUND');
  });

  it('gives the stack of an unexpected error when stacks are exposed', async () => {
    const res = await request(failingWith(new TypeError('oops'), true))
      .get('/fail')
      .expect(500);
    expect(res.body.error.details.stack).to.contain('TypeError: oops');
  });

  it('answers a thrown string with a 500 without a stack', async () => {
    const res = await request(failingWith('boom', true)).get('/fail').expect(500);
    expect(res.body.error.code).to.equal('INTERNAL_ERROR');
    expect(res.body.error.details.stack).to.equal(undefined);
  });

  it('cuts the connection of an error raised after the answer started, rather than sending a second answer', async () => {
    const tiny = express();
    const streamThenFail: RequestHandler = (_req, res, next) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
      next(new Error('failed mid-stream'));
    };
    tiny.get('/stream', streamThenFail);
    tiny.use(errorHandler({ logger: silent, exposeStack: false }));
    const outcome = await request(tiny)
      .get('/stream')
      .then(
        (res) => `answered ${res.status}`,
        (err: Error) => `failed: ${err.message}`,
      );
    expect(outcome).to.match(/^failed/);
  });
});
