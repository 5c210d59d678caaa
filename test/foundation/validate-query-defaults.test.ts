import express from 'express';
import Joi from 'joi';
import request from 'supertest';
import { expect } from 'chai';
import { validateQueryOrDefaults, validatedParts } from '../../api/http/validate';
import { errorHandler } from '../../api/middleware/error-handler';
import { createLogger } from '../../common/logger';

const listQuery = Joi.object({
  page: Joi.number().integer().min(1).default(1),
  sort: Joi.string().valid('dueAt', '-dueAt').default('dueAt'),
});

/** GET /things with `validateQueryOrDefaults(listQuery)`; the handler changes the query it was given, as a handler may. */
function appListing(): express.Express {
  const tiny = express();
  tiny.get('/things', validateQueryOrDefaults(listQuery), (req, res) => {
    const query = req.valid.query as Record<string, unknown>;
    res.json({ data: { ...query } });
    query.page = 99;
  });
  tiny.use(errorHandler({ logger: createLogger({ log: { level: 'silent', format: 'json' } }, 'test'), exposeStack: false }));
  return tiny;
}

/** `validateQueryOrDefaults` (api/http/validate.ts): the student assignment list's query. */
describe('A query validated or defaulted', () => {
  it("answers a request without a query with the schema's defaults, each request its own copy", async () => {
    const tiny = appListing();
    await request(tiny).get('/things').expect(200);

    const res = await request(tiny).get('/things').expect(200);

    expect(res.body.data).to.deep.equal({ page: 1, sort: 'dueAt' });
  });

  it('validates and converts a query that was sent', async () => {
    const res = await request(appListing()).get('/things?page=3').expect(200);
    expect(res.body.data).to.deep.equal({ page: 3, sort: 'dueAt' });
  });

  it('refuses an unknown query parameter, naming it', async () => {
    const res = await request(appListing()).get('/things?colour=red').expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['query.colour']);
  });

  it('counts as validating the query, so ApiRouter adds no check refusing one', () => {
    expect([...validatedParts([validateQueryOrDefaults(listQuery)])]).to.deep.equal(['query']);
  });
});
