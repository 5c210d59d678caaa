import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * The document lives in `docs/openapi/`: `index.yaml` holds the frame and shared components, and one
 * file per feature adds its `paths` (and components). Merged once at start-up.
 */
export function loadOpenApi(rootDir: string): OpenApiDocument {
  const dir = path.join(rootDir, 'docs', 'openapi');
  const doc = YAML.parse(fs.readFileSync(path.join(dir, 'index.yaml'), 'utf8')) as OpenApiDocument;
  doc.paths ??= {};
  doc.components ??= {};
  const parts = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'index.yaml')
    .sort();
  for (const file of parts) {
    const part = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Partial<OpenApiDocument>;
    for (const [p, ops] of Object.entries(part.paths ?? {})) {
      doc.paths[p] = { ...(doc.paths[p] ?? {}), ...ops };
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
  return doc;
}
