import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from '../../api/openapi/document';

/**
 * The served OpenAPI document as the judge of real responses. `findOperation` maps a method and URL
 * to the documented operation (literal path segments win over `{params}`, as a router would match);
 * `responseProblems` says what in a response the document does not allow: an undocumented status, a
 * content type the status does not list, a JSON body its schema refuses, or a body where none is
 * documented. Schemas are compiled with Ajv's JSON Schema 2020-12 dialect, the one OpenAPI 3.1 uses.
 */

interface ResponseObject {
  $ref?: string;
  description?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface OperationObject {
  responses?: Record<string, ResponseObject>;
  requestBody?: unknown;
  parameters?: unknown[];
  security?: Record<string, string[]>[];
}

export interface Operation {
  method: string;
  /** the documented template, e.g. `/api/v2/files/{id}` */
  path: string;
  op: OperationObject;
}

export interface ObservedResponse {
  status: number;
  contentType: string | undefined;
  /** the parsed JSON body, when the response is JSON */
  body: unknown;
  /** the raw body length in bytes (0 for none) */
  length: number;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const DOC_ID = 'https://gema.test/openapi.json';

const pointer = (parts: string[]) => '#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

interface Route {
  method: string;
  path: string;
  regex: RegExp;
  /** literal segments count: more literal wins */
  literals: number;
  op: OperationObject;
}

export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    // OpenAPI's own formats for non-JSON payloads: nothing to check inside a JSON value
    for (const f of ['binary', 'byte', 'password']) this.ajv.addFormat(f, true);
    this.ajv.addSchema(doc as object, DOC_ID);
    for (const [path, ops] of Object.entries(doc.paths)) {
      const segments = path.split('/');
      const regex = new RegExp(
        '^' +
          segments
            .map((s) => {
              // `*path` is an Express catch-all (the web-lab previews): it spans slashes
              if (s.startsWith('*')) return '.+';
              return /^\{\w+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
            })
            .join('/') +
          '/?$',
      );
      const literals = segments.filter((s) => s && !s.startsWith('{') && !s.startsWith('*')).length;
      for (const [method, op] of Object.entries(ops)) {
        if (METHODS.includes(method)) this.routes.push({ method, path, regex, literals, op: op as OperationObject });
      }
    }
    this.routes.sort((a, b) => b.literals - a.literals);
  }

  /** The documented operation a request reaches, or undefined for an undocumented method or path. */
  findOperation(method: string, urlPath: string): Operation | undefined {
    const m = method.toLowerCase();
    const r = this.routes.find((x) => x.method === m && x.regex.test(urlPath));
    return r && { method: r.method, path: r.path, op: r.op };
  }

  /** Every documented method + path, for tests that must cover them all. */
  operations(): Operation[] {
    return this.routes
      .map((r) => ({ method: r.method, path: r.path, op: r.op }))
      .sort((a, b) => (a.path + a.method).localeCompare(b.path + b.method));
  }

  /** The response object for a status (exact, then `4XX`-style range, then `default`) and its pointer. */
  private responseFor(operation: Operation, status: number): { res: ResponseObject; at: string[] } | undefined {
    const responses = operation.op.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k] !== undefined);
    if (key === undefined) return undefined;
    let res = responses[key]!;
    let at = ['paths', operation.path, operation.method, 'responses', key];
    if (res.$ref) {
      at = res.$ref
        .replace(/^#\//, '')
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      res = at.reduce<Record<string, unknown>>(
        (o, p) => o[p] as Record<string, unknown>,
        this.doc as unknown as Record<string, unknown>,
      ) as ResponseObject;
    }
    return { res, at };
  }

  responseProblems(operation: Operation, observed: ObservedResponse): string[] {
    const found = this.responseFor(operation, observed.status);
    if (!found) return [`status ${observed.status} is not documented`];
    const content = found.res.content;
    if (!content || Object.keys(content).length === 0) {
      return observed.length > 0 ? [`status ${observed.status} documents no body, but one of ${observed.length} bytes was sent`] : [];
    }
    const type = observed.contentType?.split(';')[0]!.trim().toLowerCase();
    if (!type)
      return observed.length > 0 || observed.status !== 304
        ? [`status ${observed.status}: no Content-Type, documented ${Object.keys(content).join(', ')}`]
        : [];
    const media = Object.keys(content).find((k) => {
      const [kt, ks] = k.toLowerCase().split('/');
      const [t, s] = type.split('/');
      return (kt === '*' || kt === t) && (ks === '*' || ks === s);
    });
    if (!media) return [`status ${observed.status}: Content-Type ${type} is not one of ${Object.keys(content).join(', ')}`];
    if (!/[/+]json$/.test(type) || content[media]!.schema === undefined) return [];
    const ref = pointer([...found.at, 'content', media, 'schema']);
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC_ID}${ref}` });
      this.validators.set(ref, validate);
    }
    if (validate(observed.body)) return [];
    return (validate.errors ?? [])
      .slice(0, 8)
      .map((e) => `status ${observed.status} body${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }
}
