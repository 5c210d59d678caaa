import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { createSchool } from '../support/factories';
import { servedContract } from '../support/response-contract';
import { MATRIX, type Row } from './matrix';
import { CALLERS, authFor, makeResource, type ResourceKind, type School } from './world';

/**
 * The authorization matrix (test/authz/matrix.ts) against the real API: every documented operation,
 * called by each of seven callers, must answer the status its row names. Path ids name real
 * resources of the classroom (owned by student A where they have an owner), made afresh for every
 * call that may change them; a write sends the row's body (`{}` unless it names one), so a caller
 * allowed past the role check may answer 400 there, while the role and token checks before it are
 * what the row proves. AUTHZ_MATRIX_DRAFT=<file> writes the statuses seen, as rows, for a new operation.
 */

// fixed stand-ins for the path parameters that are not resource ids
const OTHER_PARAMS: Record<string, string> = {
  sha256: 'a'.repeat(64),
  variant: 'original',
  versionId: '00000000-0000-4000-8000-000000000000',
  expires: '9999999999',
  signature: 'x'.repeat(43),
  '*path': 'index.html',
};

async function url(path: string, id: () => Promise<string>): Promise<string> {
  let out = path;
  for (const m of path.matchAll(/\{(\w+)\}|(\*path)/g)) {
    const name = m[1] ?? m[2]!;
    const value = name === 'id' || name === 'idOrSlug' ? await id() : OTHER_PARAMS[name]!;
    out = out.replace(m[0], value);
  }
  return out;
}

describe('authorization matrix', function () {
  // seven calls a row, some of them (the demo activity) heavy: a loaded machine needs the room
  this.timeout(60_000);
  let school: School;
  const shared = new Map<ResourceKind, Promise<string>>();
  const draft: string[] = [];

  let server: http.Server;

  before(async () => {
    school = await createSchool();
    server = http.createServer(app());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  /** A Server-Sent Events route answers its status and then streams for ever: read the status, hang up. */
  async function streamStatus(path: string, headers: Record<string, string>): Promise<number> {
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { headers, signal: abort.signal });
    abort.abort();
    return res.status;
  }

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    if (process.env.AUTHZ_MATRIX_DRAFT) fs.writeFileSync(process.env.AUTHZ_MATRIX_DRAFT, draft.join('\n') + '\n');
  });

  it('has a row for every operation of the served document, and none for an operation it lacks', () => {
    const documented = servedContract()
      .operations()
      .map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(
      documented.filter((o) => !(o in MATRIX)),
      'operations without a row',
    ).to.deep.equal([]);
    expect(
      Object.keys(MATRIX).filter((o) => !documented.includes(o)),
      'rows for no operation',
    ).to.deep.equal([]);
  });

  for (const [operation, row] of Object.entries(MATRIX) as [string, Row][]) {
    it(`${operation}: ${CALLERS.map((c, i) => `${c} ${row.expect[i] ?? '—'}`).join(', ')}`, async () => {
      const [method, path] = operation.split(' ') as [string, string];
      const m = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      const seen: (number | null)[] = [];
      for (const [i, caller] of CALLERS.entries()) {
        if (row.expect[i] === null) {
          seen.push(null);
          continue;
        }
        const id = () => {
          if (m !== 'get') return makeResource(school, row.id);
          if (!shared.has(row.id)) shared.set(row.id, makeResource(school, row.id));
          return shared.get(row.id)!;
        };
        if (row.stream) {
          seen.push(await streamStatus(await url(path, id), authFor(school, caller)));
          continue;
        }
        const target = await url(path, id);
        const req = request(app())[m](target).set(authFor(school, caller));
        const res = m === 'get' || m === 'delete' ? await req : await req.send(row.body ?? {});
        seen.push(res.status);
      }
      draft.push(`  '${operation}': { id: '${row.id}', ${row.stream ? 'stream: true, ' : ''}expect: [${seen.join(', ')}] },`);
      expect(seen).to.deep.equal(row.expect);
    });
  }
});
