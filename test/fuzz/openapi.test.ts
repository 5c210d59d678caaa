import fc from 'fast-check';
import request from 'supertest';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { app, apiDeps } from '../support/deps';
import { createSchool } from '../support/factories';
import { judge, observe, servedContract, withoutContractCheck } from '../support/response-contract';
import type { Operation } from '../support/openapi-contract';
import { MATRIX } from '../authz/matrix';
import { RESOURCE_KINDS, authFor, makeResource, type Caller, type ResourceKind, type School } from '../authz/world';
import { SchemaArbitraries, wildValue } from './schema-arbitrary';

/**
 * Fuzzing driven by the served OpenAPI document: for every operation, fast-check generates path
 * params (real ids of the classroom's resources, random UUIDs, garbage), query strings and JSON
 * bodies from the operation's schemas, conforming or bent (schema-arbitrary.ts), sent as an admin,
 * the classroom's teacher, student A or nobody. Every response must be below 500, carry no stack
 * trace or SQL, be one its operation documents, and a refused write (4xx) must leave the database
 * as it was (row counts and a hash of every row, per table).
 *
 * FUZZ_SEED fixes the generator (default: the same seed every run, so CI is repeatable); FUZZ_RUNS
 * is the number of requests per operation (default 10; `npm run fuzz` sends 200).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 15);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10);

// operations the fuzzer leaves out, and why
const SKIPPED: Record<string, string> = {
  'POST /api/v2/seed/reset': 'empties the database the other specs of the run use (test/seed/seed-routes.test.ts)',
  'POST /api/v2/seed/demo-activity':
    'each call writes a school day of demo activity (seconds on a loaded machine); test/seed/seed-routes.test.ts covers it',
  'GET /api/v2/chat/sse': 'a Server-Sent Events stream never ends; its ticket and query checks are in test/chat/chat.test.ts',
  'GET /api/v2/notifications/stream': 'a Server-Sent Events stream never ends; its ticket and query checks are in test/notifications/streams.test.ts',
};

const STACK = /\bat .+ \(.+:\d+:\d+\)|node_modules\/|\/work\/|\.ts:\d+:\d+/;
const SQL =
  /\b(SELECT .+ FROM|INSERT INTO|UPDATE .+ SET|DELETE FROM)\b|syntax error at or near|violates .+ constraint|relation ".+" does not exist|invalid input syntax for type|Sequelize[A-Z]\w+Error/i;

interface FuzzRequest {
  caller: Caller;
  pathValues: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

const stats = { requests: 0, fiveHundreds: 0, rejectedWrites: 0, byClass: {} as Record<string, number> };

/** Row count and a hash of every row of each table: a refused write must not move any. */
async function fingerprint(): Promise<Map<string, string>> {
  const sequelize = apiDeps().sequelize;
  const tables = await sequelize.query<{ t: string }>(
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('SequelizeMeta', 'migrations') ORDER BY 1",
    { type: QueryTypes.SELECT },
  );
  const rows = await sequelize.query<{ t: string; n: string; h: string }>(
    tables
      .map(({ t }) => `SELECT '${t}' AS t, count(*)::text AS n, coalesce(sum(hashtext(x::text)::bigint), 0)::text AS h FROM "${t}" x`)
      .join(' UNION ALL '),
    { type: QueryTypes.SELECT },
  );
  return new Map(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
}

function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((t) => before.get(t) !== after.get(t));
}

// Node's HTTP parser refuses a request line over 16 KB before the app sees it (431, then a reset the
// client may read as ECONNRESET): long values go in bodies, URLs carry at most this much of one
const URL_VALUE_MAX = 2_000;

function queryString(query: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    q.append(k.slice(0, URL_VALUE_MAX), (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, URL_VALUE_MAX));
  const s = q.toString();
  return s ? `?${s}` : '';
}

describe('fuzzing every operation from the OpenAPI document', function () {
  // generous: a refused write costs two full-table fingerprints, and CI machines may be shared
  this.timeout(Math.max(120_000, RUNS * 10_000));
  let school: School;
  const ids = new Map<ResourceKind, string>();
  const problems: string[] = [];

  before(async () => {
    school = await createSchool();
    // one of each resource up front: their ids go into path parameters and into any uuid of a body or query
    for (const kind of RESOURCE_KINDS) if (kind !== 'none') ids.set(kind, await makeResource(school, kind));
  });

  after(() => {
    console.log(
      `  fuzz (seed ${SEED}, ${RUNS} per operation): ${stats.requests} requests, ${stats.fiveHundreds} answered 5xx, ${stats.rejectedWrites} refused writes checked against the database (${JSON.stringify(stats.byClass)})`,
    );
  });

  function requestsFor(op: Operation, arbs: SchemaArbitraries): fc.Arbitrary<FuzzRequest> {
    const params = ((op.op.parameters ?? []) as unknown[]).map(
      (p) => arbs.resolve(p) as { name: string; in: string; required?: boolean; schema?: unknown },
    );
    const pathNames = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const kind = MATRIX[`${op.method.toUpperCase()} ${op.path}`]?.id ?? 'none';
    const pathArb = fc.record(
      Object.fromEntries(
        pathNames.map((name) => {
          const schema = params.find((p) => p.in === 'path' && p.name === name)?.schema;
          const real = ids.get(kind);
          const options: fc.Arbitrary<string>[] = [
            fc.uuid(),
            arbs.hostile(schema ?? { type: 'string' }).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
          ];
          if (real && (name === 'id' || name === 'idOrSlug')) options.push(fc.constant(real), fc.constant(real));
          // '.' and '..' are path steps the client resolves away, not values
          return [name, fc.oneof(...options).filter((v) => v.length > 0 && v !== '.' && v !== '..')];
        }),
      ),
    );
    const queryParams = params.filter((p) => p.in === 'query');
    const queryArb = fc
      .tuple(
        fc.record(Object.fromEntries(queryParams.map((p) => [p.name, arbs.hostile(p.schema ?? { type: 'string' })])), { requiredKeys: [] }),
        // an unknown key now and then (every route refuses one, so not so often that nothing else is reached)
        fc.oneof(
          { arbitrary: fc.constant(null), weight: 5 },
          { arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), wildValue), weight: 1 },
        ),
      )
      .map(([q, extra]) => (extra ? { ...q, [extra[0]]: extra[1] } : q));
    const content = (arbs.resolve(op.op.requestBody) as { content?: Record<string, { schema?: unknown }> }).content ?? {};
    const jsonSchema = content['application/json']?.schema;
    const bodyArb: fc.Arbitrary<unknown> =
      op.method === 'get' || op.method === 'delete'
        ? fc.constant(undefined)
        : jsonSchema
          ? arbs.hostile(jsonSchema)
          : fc.option(wildValue, { freq: 2, nil: undefined });
    return fc.record({
      caller: fc.constantFrom<Caller>('admin', 'admin', 'teacher', 'studentA', 'anonymous'),
      pathValues: pathArb as fc.Arbitrary<Record<string, string>>,
      query: queryArb,
      body: bodyArb,
    });
  }

  async function send(op: Operation, r: FuzzRequest): Promise<void> {
    const path = op.path
      .replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(r.pathValues[name]!.slice(0, URL_VALUE_MAX)))
      .replace('*path', 'index.html');
    const url = path + queryString(r.query);
    const write = op.method !== 'get';
    const before = write ? await fingerprint() : undefined;
    let req = withoutContractCheck(request(app())[op.method as 'get'](url).set(authFor(school, r.caller)));
    if (r.body !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(r.body));
    const res = await req;
    stats.requests++;
    stats.byClass[`${String(res.status)[0]}xx`] = (stats.byClass[`${String(res.status)[0]}xx`] ?? 0) + 1;
    const where = `${op.method.toUpperCase()} ${url.slice(0, 200)} as ${r.caller}${r.body !== undefined ? ` body ${JSON.stringify(r.body).slice(0, 200)}` : ''}`;
    const text = res.text ?? '';
    if (process.env.FUZZ_LOG) console.log(`${res.status} ${where.slice(0, 160)} → ${text.slice(0, 160)}`);
    if (res.status >= 500) {
      stats.fiveHundreds++;
      problems.push(`${where} → ${res.status} ${text.slice(0, 300)}`);
    }
    if (STACK.test(text)) problems.push(`${where} → a stack trace in the body: ${text.slice(0, 300)}`);
    if (SQL.test(text)) problems.push(`${where} → SQL in the body: ${text.slice(0, 300)}`);
    const judged = judge(op.method, url, observe(res));
    if (judged.problems.length) problems.push(`${where} → ${judged.problems.join('; ')}`);
    if (before && res.status >= 400 && res.status < 500) {
      stats.rejectedWrites++;
      // a refused sign-in is audited on purpose (README.md#admin-school-events-and-audit-log)
      const changed = changedTables(before, await fingerprint()).filter((t) => !(t === 'audit_log' && op.path.startsWith('/api/v2/auth/')));
      if (changed.length) problems.push(`${where} → ${res.status}, but changed ${changed.join(', ')}`);
    }
  }

  it('has the served document to draw from', () => {
    expect(servedContract().operations().length).to.be.greaterThan(100);
  });

  // one spec per operation, in the document's order; the operations come from the served document
  // (test/setup.ts loads it before any spec runs), so they are listed here from the matrix, which
  // test/authz/matrix.test.ts holds to the document row for row
  for (const key of Object.keys(MATRIX)) {
    if (SKIPPED[key]) continue;
    it(`answers ${RUNS} generated requests to ${key} within the document, without 5xx or leaks`, async () => {
      const [method, path] = key.split(' ') as [string, string];
      const op = servedContract()
        .operations()
        .find((o) => o.method === method.toLowerCase() && o.path === path)!;
      const pool = [...ids.values(), school.classroom.id, school.student.id, school.teacher.id];
      const arbs = new SchemaArbitraries(servedContract().doc, pool);
      const before = problems.length;
      for (const r of fc.sample(requestsFor(op, arbs), { seed: SEED, numRuns: RUNS })) await send(op, r);
      const found = problems.slice(before);
      if (found.length)
        expect.fail(`${found.length} of ${RUNS} requests broke a rule (FUZZ_SEED=${SEED}):\n${found.map((p) => JSON.stringify(p)).join('\n')}`);
    });
  }
});
