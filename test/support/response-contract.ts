import supertest from 'supertest';
import type { Response } from 'superagent';
import { OpenApiContract, type ObservedResponse, type Operation } from './openapi-contract';
import type { OpenApiDocument } from '../../api/openapi/document';

/**
 * Every response a spec receives through supertest is held to the served OpenAPI document: an
 * undocumented status, a content type or a JSON body the document does not allow fails the request
 * (and so the spec) with the operation and the problems named. test/setup.ts loads the document from
 * `GET /api/v2/openapi.json` before the first spec; requests to paths or methods the document does not
 * have (a 404 probe, a wrong method) are not judged here.
 */

let contract: OpenApiContract | undefined;
const stats = { checked: 0, operations: new Set<string>() };
const unchecked = new WeakSet<object>();

export function useServedDocument(doc: OpenApiDocument): void {
  contract = new OpenApiContract(doc);
}

/** The contract built from the served document (after test/setup.ts's root hook). */
export function servedContract(): OpenApiContract {
  if (!contract) throw new Error('the served OpenAPI document is not loaded yet (test/setup.ts)');
  return contract;
}

/** For a spec that judges the response against the document itself (the fuzzer collects problems instead of failing). */
export function withoutContractCheck<T extends object>(test: T): T {
  unchecked.add(test);
  return test;
}

export function contractStats(): { checked: number; operations: number } {
  return { checked: stats.checked, operations: stats.operations.size };
}

export function judge(method: string, url: string, res: ObservedResponse): { operation?: Operation; problems: string[] } {
  const c = servedContract();
  const operation = c.findOperation(method, new URL(url, 'http://x').pathname);
  if (!operation) return { problems: [] };
  const problems = c.responseProblems(operation, res);
  return { operation, problems };
}

export function observe(res: Response): ObservedResponse {
  const text = (res as Response & { text?: string }).text;
  const raw = Buffer.isBuffer(res.body) ? res.body.length : undefined;
  const declared = Number(res.headers['content-length']);
  return {
    status: res.status,
    contentType: res.headers['content-type'] as string | undefined,
    body: res.body as unknown,
    length: raw ?? (typeof text === 'string' ? Buffer.byteLength(text) : Number.isFinite(declared) ? declared : 0),
  };
}

type Test = supertest.Test;
type AssertFn = (this: Test, resError: Error | null, res: Response | undefined, fn?: (err: Error | null, res?: Response) => void) => void;
const proto = supertest.Test.prototype as unknown as { assert: AssertFn; method: string; url: string };
const original = proto.assert;

proto.assert = function (this: Test, resError, res, fn) {
  if (!contract || !res || unchecked.has(this)) return original.call(this, resError, res, fn);
  const self = this as unknown as { method: string; url: string };
  const { operation, problems } = judge(self.method, self.url, observe(res));
  if (operation) {
    stats.checked++;
    stats.operations.add(`${operation.method} ${operation.path}`);
  }
  if (!problems.length) return original.call(this, resError, res, fn);
  const err = new Error(
    `the response to ${self.method} ${new URL(self.url).pathname} disagrees with the OpenAPI document (${operation!.method.toUpperCase()} ${operation!.path}):\n  ${problems.join('\n  ')}\n  body: ${JSON.stringify(res.body).slice(0, 500)}`,
  );
  return original.call(this, resError, res, (e, r) => fn?.call(this, e ?? err, r));
};
