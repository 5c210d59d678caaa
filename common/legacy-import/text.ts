/**
 * PostgreSQL refuses NUL (U+0000) in text, so a legacy value carrying one (it can only arrive inside
 * JSON text such as `"a\u0000b"`, or from a bytea-ish paste) is stripped and the row gets a `nul_stripped`
 * warning in the report. Other unusual characters (emoji, combining marks, right-to-left text,
 * zero-width spaces) are valid text and are carried byte for byte.
 */
export function cleanText(value: unknown, warn: (code: string) => void): string | null {
  if (value === null || value === undefined) return null;
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  if (!s.includes('\u0000')) return s;
  warn('nul_stripped');
  return s.replaceAll('\u0000', '');
}

/** Cuts to a column's length by characters (never inside a surrogate pair), with a warning. */
export function fit(value: string | null, max: number, warn: (code: string) => void): string | null {
  if (value === null) return null;
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  warn('truncated');
  return chars.slice(0, max).join('');
}

/** JSON stored as text (tags, hints): parsed when it parses, its NULs stripped; null when it does not. */
export function parseJsonText(value: unknown, warn: (code: string) => void): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return stripNulDeep(value, warn);
  try {
    return stripNulDeep(JSON.parse(value) as unknown, warn);
  } catch {
    warn('bad_json');
    return null;
  }
}

function stripNulDeep(value: unknown, warn: (code: string) => void): unknown {
  if (typeof value === 'string') return cleanText(value, warn);
  if (Array.isArray(value)) return value.map((v) => stripNulDeep(v, warn));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k, warn) ?? '', stripNulDeep(v, warn)]));
  }
  return value;
}

export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
export const date = (v: unknown): Date | null => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : null);
export const iso = (v: unknown): string | null => date(v)?.toISOString() ?? null;
