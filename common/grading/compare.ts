import type { structuredPatch } from 'diff';
import { lazyModule } from '../runtime/lazy-module';
import type { Comparison } from '../../common/models';

// a diff is drawn only for a wrong answer; the API loads this file at start for its types and helpers
// eslint-disable-next-line @typescript-eslint/no-require-imports
const diff = lazyModule(() => require('diff') as { structuredPatch: typeof structuredPatch });

export interface CompareSpec {
  comparison: Comparison;
  /** for `float`: the absolute or relative difference still accepted (default 1e-6) */
  tolerance?: number | null;
}

export interface CompareOutcome {
  ok: boolean;
  /** a short, readable account of the first difference, then a unified diff; null when ok */
  diff: string | null;
}

export const DEFAULT_FLOAT_TOLERANCE = 1e-6;
/** Diffing is quadratic in the worst case: only this much of each side is diffed. */
const DIFF_MAX_LINES = 200;
const DIFF_MAX_CHARS = 4000;

const normalizeNewlines = (s: string) => s.replace(/\r\n?/g, '\n');

/** Trailing whitespace of every line and trailing blank lines removed. */
export function trimOutput(s: string): string {
  return normalizeNewlines(s)
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

const tokensOf = (s: string) => s.split(/\s+/).filter(Boolean);

function numbersMatch(expected: string, actual: string, tolerance: number): boolean {
  if (expected === actual) return true;
  const e = Number(expected);
  const a = Number(actual);
  if (!isNumeric(expected) || !isNumeric(actual) || Number.isNaN(e) || Number.isNaN(a)) return false;
  const delta = Math.abs(e - a);
  return delta <= tolerance || delta <= tolerance * Math.abs(e);
}

const isNumeric = (s: string) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s);

/** The rule alone, with no diff: pure and cheap, for use where only the verdict matters. */
export function outputMatches(expected: string, actual: string, spec: CompareSpec): boolean {
  switch (spec.comparison) {
    case 'exact':
      return actual === expected;
    case 'trim':
      return trimOutput(actual) === trimOutput(expected);
    case 'tokens': {
      const e = tokensOf(expected);
      const a = tokensOf(actual);
      return e.length === a.length && e.every((t, i) => t === a[i]);
    }
    case 'float': {
      const tolerance = spec.tolerance ?? DEFAULT_FLOAT_TOLERANCE;
      const e = tokensOf(expected);
      const a = tokensOf(actual);
      return e.length === a.length && e.every((t, i) => numbersMatch(t, a[i]!, tolerance));
    }
    case 'regex':
      return compileExpectedRegex(expected).test(trimOutput(actual));
  }
}

/** The expected text of a `regex` test must match the whole (trimmed) output. */
export function compileExpectedRegex(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/** Whether a teacher's regex compiles; used to refuse a broken test when it is saved. */
export function isValidRegex(pattern: string): boolean {
  try {
    compileExpectedRegex(pattern);
    return true;
  } catch {
    return false;
  }
}

export function compareOutput(expected: string, actual: string, spec: CompareSpec): CompareOutcome {
  if (outputMatches(expected, actual, spec)) return { ok: true, diff: null };
  return { ok: false, diff: describeDifference(expected, actual, spec) };
}

const show = (s: string | undefined) => (s === undefined ? '(nothing)' : JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s));

function firstDifference(expected: string, actual: string, spec: CompareSpec): string {
  if (spec.comparison === 'regex') return `Output does not match the pattern /${expected}/`;
  if (spec.comparison === 'tokens' || spec.comparison === 'float') {
    const e = tokensOf(expected);
    const a = tokensOf(actual);
    const tolerance = spec.tolerance ?? DEFAULT_FLOAT_TOLERANCE;
    for (let i = 0; i < Math.max(e.length, a.length); i++) {
      const same = spec.comparison === 'float' && e[i] !== undefined && a[i] !== undefined ? numbersMatch(e[i]!, a[i]!, tolerance) : e[i] === a[i];
      if (!same) {
        const note = spec.comparison === 'float' ? ` (tolerance ${tolerance})` : '';
        return `Token ${i + 1}: expected ${show(e[i])}, got ${show(a[i])}${note}`;
      }
    }
    return 'Outputs differ';
  }
  if (spec.comparison === 'exact' && expected.replace(/\n$/, '') === actual.replace(/\n$/, '')) {
    return expected.endsWith('\n') ? 'Missing final newline' : 'Unexpected final newline';
  }
  const norm = spec.comparison === 'trim' ? trimOutput : normalizeNewlines;
  const e = norm(expected).split('\n');
  const a = norm(actual).split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `Line ${i + 1}: expected ${show(e[i])}, got ${show(a[i])}`;
  }
  return 'Whitespace or line endings differ';
}

const head = (s: string) => s.split('\n').slice(0, DIFF_MAX_LINES).join('\n');

function unifiedDiff(expected: string, actual: string): string {
  const patch = diff().structuredPatch('expected', 'actual', `${head(expected)}\n`, `${head(actual)}\n`, undefined, undefined, {
    context: 2,
  });
  const lines = patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  const text = lines.join('\n');
  return text.length > DIFF_MAX_CHARS ? `${text.slice(0, DIFF_MAX_CHARS)}\n… (diff truncated)` : text;
}

/** A readable summary of why the output was refused: the first difference, then a unified diff. */
export function describeDifference(expected: string, actual: string, spec: CompareSpec): string {
  const summary = firstDifference(expected, actual, spec);
  if (spec.comparison === 'regex') return summary;
  const prepare = spec.comparison === 'exact' ? normalizeNewlines : trimOutput;
  const diff = unifiedDiff(prepare(expected), prepare(actual));
  return diff ? `${summary}\n${diff}` : summary;
}
