import fc from 'fast-check';
import type { OpenApiDocument } from '../../api/openapi/document';

/**
 * fast-check arbitraries from the OpenAPI document's JSON Schemas: `conforming` builds values the
 * schema describes (the formats, enums, bounds and required keys the document states), and `hostile`
 * bends one of them (a wrong type, an unknown key, a missing key, a NUL, a huge or odd value), so a run
 * reaches both the handlers and their validation.
 */

type Schema = Record<string, unknown>;

/** The document's patterns are ECMAScript regexes; `\\p{…}` needs the u flag, and a match must be whole. */
function patternOf(source: string): RegExp {
  const anchored = `${source.startsWith('^') ? '' : '^'}${source}${source.endsWith('$') ? '' : '$'}`;
  try {
    return new RegExp(anchored, 'u');
  } catch {
    return new RegExp(anchored);
  }
}

/** Values that break assumptions: types, sizes, encodings, injections, numbers JSON can carry. */
export const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '',
    ' ',
    'a\u0000b',
    '\u0000',
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '%00',
    '\uFFFF\uD800',
  ),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, 0.5, '50', '1e3', 'NaN', 'true'),
  fc.constant('x'.repeat(70_000)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }),
  fc.constantFrom({ __proto__: { admin: true } }, { constructor: { prototype: { x: 1 } } }, { toString: 'x' }),
);

export class SchemaArbitraries {
  /** @param ids real ids (the school's classroom, assignment, task…), offered wherever a uuid goes */
  constructor(
    private readonly doc: OpenApiDocument,
    private readonly ids: string[] = [],
  ) {}

  resolve(schema: unknown): Schema {
    let s = (schema ?? {}) as Schema;
    for (let hops = 0; typeof s.$ref === 'string' && hops < 10; hops++) {
      const path = (s.$ref as string).replace(/^#\//, '').split('/');
      s = path.reduce<Record<string, unknown>>(
        (o, p) => o[p.replace(/~1/g, '/').replace(/~0/g, '~')] as Record<string, unknown>,
        this.doc as unknown as Record<string, unknown>,
      ) as Schema;
    }
    return s;
  }

  /** allOf merged into one object schema (properties and required united). */
  private flatten(schema: unknown): Schema {
    const s = this.resolve(schema);
    if (!Array.isArray(s.allOf)) return s;
    const parts = (s.allOf as unknown[]).map((p) => this.flatten(p));
    const merged: Schema = { ...s, allOf: undefined, type: 'object', properties: {}, required: [] };
    for (const p of [...parts, s]) {
      Object.assign(merged.properties as Schema, (p.properties as Schema | undefined) ?? {});
      (merged.required as string[]).push(...((p.required as string[] | undefined) ?? []));
    }
    return merged;
  }

  conforming(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
    const s = this.flatten(schema);
    if (depth > 4) return fc.constant(null);
    if ('const' in s) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    const alternatives = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
    if (Array.isArray(alternatives) && alternatives.length) return fc.oneof(...alternatives.map((a) => this.conforming(a, depth + 1)));
    const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : s.properties ? ['object'] : [];
    if (!types.length) return fc.jsonValue({ maxDepth: 2 });
    return fc.oneof(...types.map((t) => this.ofType(t, s, depth)));
  }

  private ofType(type: string, s: Schema, depth: number): fc.Arbitrary<unknown> {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        // small counts and scores when the document states no bounds; wildValue brings the extremes
        return fc.integer({ min: (s.minimum as number | undefined) ?? 0, max: (s.maximum as number | undefined) ?? 100 });
      case 'number':
        return fc.double({ min: (s.minimum as number | undefined) ?? 0, max: (s.maximum as number | undefined) ?? 100, noNaN: true });
      case 'string':
        return this.string(s);
      case 'array':
        return (s.uniqueItems ? fc.uniqueArray : fc.array)(this.conforming(s.items, depth + 1), {
          minLength: (s.minItems as number | undefined) ?? 0,
          maxLength: Math.min((s.maxItems as number | undefined) ?? 4, 4),
        });
      default: {
        const props = (s.properties as Record<string, unknown> | undefined) ?? {};
        const required = new Set((s.required as string[] | undefined) ?? []);
        const model: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, v] of Object.entries(props)) model[k] = this.conforming(v, depth + 1);
        return fc.record(model, { requiredKeys: Object.keys(model).filter((k) => required.has(k)) });
      }
    }
  }

  private string(s: Schema): fc.Arbitrary<string> {
    switch (s.format) {
      case 'uuid':
        return this.ids.length ? fc.oneof(fc.uuid(), fc.constantFrom(...this.ids)) : fc.uuid();
      case 'email':
        return fc.emailAddress();
      case 'date-time':
        return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      case 'date':
        return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      case 'uri':
        return fc.webUrl();
      default: {
        if (typeof s.pattern === 'string') return fc.stringMatching(patternOf(s.pattern));
        // joi refuses '' unless a rule allows it (and the document then says minLength 0)
        const size = { minLength: (s.minLength as number | undefined) ?? 1, maxLength: Math.min((s.maxLength as number | undefined) ?? 40, 200) };
        // printable text mostly; any UTF-16 code unit (NUL, lone surrogates, controls) a third of the time
        return fc.oneof({ arbitrary: fc.string(size), weight: 2 }, { arbitrary: fc.string({ ...size, unit: 'binary' }), weight: 1 });
      }
    }
  }

  /** A value the schema describes, or one bent out of it. */
  hostile(schema: unknown): fc.Arbitrary<unknown> {
    const s = this.flatten(schema);
    const base = this.conforming(s);
    const keys = Object.keys((s.properties as Schema | undefined) ?? {});
    const bent: fc.Arbitrary<unknown>[] = [base, wildValue];
    if (keys.length) {
      const asObject = base.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
      bent.push(
        // one documented key with a wild value
        fc.tuple(asObject, fc.constantFrom(...keys), wildValue).map(([o, k, v]) => ({ ...o, [k]: v })),
        // an unknown key
        fc.tuple(asObject, fc.string({ minLength: 1, maxLength: 12 }), wildValue).map(([o, k, v]) => ({ ...o, [k]: v })),
        // a key taken away
        fc.tuple(asObject, fc.constantFrom(...keys)).map(([o, k]) => Object.fromEntries(Object.entries(o).filter(([x]) => x !== k))),
      );
    }
    return fc.oneof({ arbitrary: base, weight: 3 }, ...bent.slice(1).map((a) => ({ arbitrary: a, weight: 1 })));
  }
}
