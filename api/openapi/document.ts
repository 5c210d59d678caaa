import fs from 'node:fs';
import path from 'node:path';
import type YAML from 'yaml';

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * The document lives in `docs/openapi/`: `index.yaml` holds the frame and shared components, and one
 * file per feature adds its `paths` (and components). Merged once at start-up; a path operation or
 * component defined by two files is an error rather than a silent override. Whether the result is
 * a valid OpenAPI document with every `$ref` resolving is checked by @apidevtools/swagger-parser in
 * test/unit/openapi-document.test.ts (a development dependency: the check costs ~140 ms at start-up).
 * The API parses it on the first `GET /api/v2/openapi.json`, not at start-up: the ~290 kB of YAML
 * took longer to parse than the rest of the API took to start (README.md#memory-and-start-up).
 */
export function loadOpenApi(rootDir: string): OpenApiDocument {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the parser is needed only here
  const { parse } = require('yaml') as typeof YAML;
  const dir = path.join(rootDir, 'docs', 'openapi');
  const doc = parse(fs.readFileSync(path.join(dir, 'index.yaml'), 'utf8')) as OpenApiDocument;
  doc.paths ??= {};
  doc.components ??= {};
  const parts = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'index.yaml')
    .sort();
  for (const file of parts) {
    const part = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Partial<OpenApiDocument>;
    for (const [p, ops] of Object.entries(part.paths ?? {})) {
      const known = doc.paths[p] ?? {};
      for (const key of Object.keys(ops)) {
        if (known[key] !== undefined) throw new Error(`OpenAPI path ${p} defines ${key} twice (${file})`);
      }
      doc.paths[p] = { ...known, ...ops };
    }
    for (const [kind, entries] of Object.entries(part.components ?? {})) {
      for (const name of Object.keys(entries)) {
        if (doc.components[kind]?.[name] !== undefined) {
          throw new Error(`OpenAPI component ${kind}.${name} is defined twice (${file})`);
        }
      }
      doc.components[kind] = { ...(doc.components[kind] ?? {}), ...entries };
    }
  }
  documentGlobalRateLimit(doc);
  return doc;
}

/** The probes the global rate limit skips (api/app.ts). */
const UNLIMITED = new Set(['/health', '/ready', '/metrics']);
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/**
 * The global rate limit (`RATE_LIMIT_MAX`, README.md#configuration) sits in front of every route but the probes, so every
 * other operation may answer 429: said here once rather than in each of the feature files.
 */
function documentGlobalRateLimit(doc: OpenApiDocument): void {
  if (!doc.components.responses?.RateLimited) return;
  for (const [p, ops] of Object.entries(doc.paths)) {
    if (UNLIMITED.has(p)) continue;
    for (const [method, op] of Object.entries(ops as Record<string, { responses?: Record<string, unknown> }>)) {
      if (!METHODS.has(method) || !op.responses || op.responses['429']) continue;
      op.responses['429'] = { $ref: '#/components/responses/RateLimited' };
    }
  }
}
