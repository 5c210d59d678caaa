import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { loadOpenApi, type OpenApiDocument } from '../../api/openapi/document';

const ROOT = path.join(__dirname, '..', '..');

/**
 * The merged document checked by swagger-parser: the OpenAPI 3.1 schema, and every `$ref` resolved.
 * It dereferences what it is given in place, so it gets a copy.
 */
const validate = (doc: OpenApiDocument) => SwaggerParser.validate(structuredClone(doc) as unknown as OpenAPIV3_1.Document);

async function problemWith(doc: OpenApiDocument): Promise<string> {
  try {
    await validate(doc);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the document to be refused');
}

const roots: string[] = [];

/** A docs/openapi folder of its own: the frame and the feature files given. */
function rootWith(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-openapi-'));
  roots.push(root);
  fs.mkdirSync(path.join(root, 'docs', 'openapi'), { recursive: true });
  const frame = 'openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths: {}\ncomponents:\n  schemas:\n    Shared: { type: string }\n';
  for (const [name, text] of Object.entries({ 'index.yaml': frame, ...files })) {
    fs.writeFileSync(path.join(root, 'docs', 'openapi', name), text);
  }
  return root;
}

const operation = (summary: string) => `{ summary: ${summary}, responses: { '200': { description: ok } } }`;

describe('the merged OpenAPI document', () => {
  const served = loadOpenApi(ROOT);

  describe('the document in docs/openapi', () => {
    it('is a valid OpenAPI 3.1 document whose every $ref resolves', async () => {
      const checked = await validate(served);
      expect(checked).to.have.property('openapi', '3.1.0');
    });

    it("documents the global rate limit's 429 on every operation but the probes it skips", () => {
      const missing: string[] = [];
      for (const [p, ops] of Object.entries(served.paths)) {
        for (const [method, op] of Object.entries(ops as Record<string, { responses: Record<string, unknown> }>)) {
          if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
          const has429 = op.responses['429'] !== undefined;
          if (has429 === ['/health', '/ready', '/metrics'].includes(p)) missing.push(`${method} ${p}`);
        }
      }
      expect(missing).to.deep.equal([]);
    });

    it('carries the paths of every feature file', () => {
      expect(Object.keys(served.paths)).to.include.members(['/health', '/api/v2/auth/login', '/api/v2/files/{id}']);
    });
  });

  describe('the check', () => {
    it('refuses a $ref that points at nothing', async () => {
      const broken = structuredClone(served);
      broken.paths['/api/v2/probe'] = { get: { responses: { '200': { $ref: '#/components/responses/NoSuchResponse' } } } };
      expect(await problemWith(broken)).to.include('Missing $ref pointer "#/components/responses/NoSuchResponse"');
    });

    it('refuses a schema $ref that points at nothing', async () => {
      const broken = structuredClone(served);
      const schema = { $ref: '#/components/schemas/NoSuchSchema' };
      broken.paths['/api/v2/probe'] = {
        get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } } },
      };
      expect(await problemWith(broken)).to.include('#/components/schemas/NoSuchSchema');
    });

    it('refuses a response the OpenAPI schema does not allow, naming where it is', async () => {
      const broken = structuredClone(served);
      broken.paths['/api/v2/probe'] = { get: { responses: { '200': { content: {} } } } };
      const problem = await problemWith(broken);
      expect(problem).to.include('#/paths/~1api~1v2~1probe/get/responses/200');
      expect(problem).to.include("must have required property 'description'");
    });
  });

  describe('merging the feature files', () => {
    after(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

    it('puts every feature file’s paths and components into the frame', () => {
      const root = rootWith({
        'a.yaml': `paths:\n  /a:\n    get: ${operation('a')}\ncomponents:\n  schemas:\n    A: { type: integer }\n`,
        'b.yaml': `paths:\n  /a:\n    post: ${operation('b')}\n  /b:\n    get: ${operation('b')}\n`,
      });
      const doc = loadOpenApi(root);
      expect(Object.keys(doc.paths).sort()).to.deep.equal(['/a', '/b']);
      expect(Object.keys(doc.paths['/a']!).sort()).to.deep.equal(['get', 'post']);
      expect(Object.keys(doc.components.schemas!).sort()).to.deep.equal(['A', 'Shared']);
    });

    it('refuses a component that two files define', () => {
      const root = rootWith({ 'a.yaml': 'components:\n  schemas:\n    Shared: { type: integer }\n' });
      expect(() => loadOpenApi(root)).to.throw('OpenAPI component schemas.Shared is defined twice (a.yaml)');
    });

    it('refuses an operation that two files define', () => {
      const root = rootWith({
        'a.yaml': `paths:\n  /a:\n    get: ${operation('a')}\n`,
        'b.yaml': `paths:\n  /a:\n    get: ${operation('b')}\n`,
      });
      expect(() => loadOpenApi(root)).to.throw('OpenAPI path /a defines get twice (b.yaml)');
    });
  });
});
