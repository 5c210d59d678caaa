import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { loadOpenApi } from '../../api/openapi/document';
import { getConfig } from '../../common/config';

type Schema = Record<string, unknown>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Where the document and the responses disagreed (issue 15), held by the document's structure and by
 * real answers. Ajv over every route test's responses is the general check; these pin the cases found.
 */
describe('the OpenAPI document agrees with what the API sends', () => {
  const doc = loadOpenApi(getConfig().rootDir) as unknown as Schema;
  const deref = (s: Schema): Schema =>
    typeof s.$ref === 'string'
      ? deref(
          s.$ref
            .slice(2)
            .split('/')
            .reduce<Schema>((o, k) => o[k] as Schema, doc),
        )
      : s;
  /** every property a schema declares, through allOf */
  const propertiesOf = (s: Schema): string[] => {
    const r = deref(s);
    return [...Object.keys((r.properties as Schema) ?? {}), ...((r.allOf as Schema[]) ?? []).flatMap(propertiesOf)];
  };
  const operations = () =>
    Object.entries(doc.paths as Record<string, Schema>).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => METHODS.includes(m))
        .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op: op as Schema })),
    );

  it('has no allOf that adds properties to a branch closed with additionalProperties: false (never satisfiable in JSON Schema 2020-12)', () => {
    const found: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
      if (!node || typeof node !== 'object') return;
      const s = node as Schema;
      if (Array.isArray(s.allOf)) {
        const branches = (s.allOf as Schema[]).map(deref);
        const closed = branches.filter((b) => b.additionalProperties === false);
        const adding = branches.filter((b) => !closed.includes(b) && Object.keys((b.properties as Schema) ?? {}).length);
        if (closed.length && adding.length) found.push(where);
      }
      for (const [k, v] of Object.entries(s)) walk(v, `${where}/${k}`);
    };
    walk(doc, '#');
    expect(found).to.deep.equal([]);
  });

  it('documents 413 and 415 on every operation that takes a JSON body', () => {
    const missing = operations()
      .filter(({ op }) => JSON.stringify(op.requestBody ?? {}).includes('application/json'))
      .filter(({ op }) => !(op.responses as Schema)['413'] || !(op.responses as Schema)['415'])
      .map(({ name }) => name);
    expect(missing).to.deep.equal([]);
  });

  it('allows in its 400 schema the INVALID_JSON and BODY_NOT_OBJECT codes the API sends', async () => {
    const schema = deref(deref((doc.components as Schema).responses as Schema).ValidationFailed as Schema);
    const body = deref(((schema.content as Schema)['application/json'] as Schema).schema as Schema);
    const code = ((((body.properties as Schema).error as Schema).properties as Schema).code as Schema) ?? {};
    const broken = await request(app()).post('/api/v2/contact').set('Content-Type', 'application/json').send('{"name": ').expect(400);
    const scalar = await request(app()).post('/api/v2/contact').set('Content-Type', 'application/json').send('42').expect(400);
    for (const sent of [broken.body.error.code, scalar.body.error.code]) {
      expect(code.const === undefined || code.const === sent, `${sent} against ${JSON.stringify(code)}`).to.equal(true);
      expect(code.examples as string[]).to.include(sent);
    }
    expect(broken.body.error.code).to.equal('INVALID_JSON');
    expect(scalar.body.error).to.deep.equal({ code: 'BODY_NOT_OBJECT', message: 'The request body must be a JSON object' });
  });

  it('declares every field of a coding task the API returns, createdAt and updatedAt included', async () => {
    const school = await createSchool();
    const created = await request(app())
      .post('/api/v2/coding-lab/tasks')
      .set(bearer(school.teacher))
      .send({ title: 'Echo', languages: ['python'], tests: [{ name: 'one', stdin: '1', expected: '1', sample: true }] })
      .expect(201);
    const declared = propertiesOf({ $ref: '#/components/schemas/CodingTask' });
    expect(Object.keys(created.body.data).filter((k) => !declared.includes(k))).to.deep.equal([]);
    const testFields = propertiesOf({ $ref: '#/components/schemas/CodingTestCase' });
    expect(Object.keys(created.body.data.tests[0]).filter((k) => !testFields.includes(k))).to.deep.equal([]);
  });

  it('documents GET /api/v2/files/{id} as sending the sniffed type, not application/octet-stream only', () => {
    const ok = (((doc.paths as Schema)['/api/v2/files/{id}'] as Schema).get as Schema).responses as Schema;
    const types = Object.keys(((ok['200'] as Schema).content as Schema) ?? {});
    const covers = (sent: string) => types.some((t) => t === '*/*' || t === sent || (t.endsWith('/*') && sent.startsWith(t.slice(0, -1))));
    for (const sent of ['image/png', 'application/pdf', 'text/plain']) expect(covers(sent), `${sent} in ${types.join(', ')}`).to.equal(true);
  });

  it('declares the X-Request-Id and RateLimit headers every response carries', async () => {
    const headers = (doc.components as Schema).headers as Schema;
    expect(Object.keys(headers ?? {})).to.include.members(['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After']);
    const res = await request(app()).get('/api/v2/no-such-thing').expect(404);
    expect(res.headers).to.have.property('x-request-id');
    const shared = (doc.components as Schema).responses as Schema;
    const without = Object.entries(shared)
      .filter(([, r]) => !((r as Schema).headers as Schema)?.['X-Request-Id'])
      .map(([name]) => name);
    expect(
      without.filter((n) =>
        ['ValidationFailed', 'Unauthenticated', 'Forbidden', 'NotFound', 'Conflict', 'RateLimited', 'ServiceUnavailable'].includes(n),
      ),
    ).to.deep.equal([]);
    expect(Object.keys((shared.RateLimited as Schema).headers as Schema)).to.include.members(['RateLimit', 'RateLimit-Policy', 'Retry-After']);
  });
});
