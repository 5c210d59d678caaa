import type { Visibility } from '../models';
import { hiddenFromStudent } from './visibility';

/**
 * How finely a student sees the time and memory of a test hidden from them: each figure rounded up
 * to its bucket, or `null` for not shown at all. A program could otherwise spell a hidden input in
 * its own run time or memory (one byte of input per millisecond…) and read it back from the result.
 * See README.md#hidden-tests-and-their-figures.
 */
export interface FigureBuckets {
  /** ms per step; null: a student sees no time for a hidden test */
  timeMs: number | null;
  /** KB per step; null: a student sees no memory for a hidden test */
  memoryKb: number | null;
}

export interface Figures {
  timeMs: number;
  memoryKb: number;
}

export interface ShownFigures {
  timeMs: number | null;
  memoryKb: number | null;
}

/** Rounded up, so a figure never shows less than was used; 0 (not measured) stays 0. */
function bucket(value: number, step: number | null): number | null {
  if (step === null) return null;
  if (value <= 0) return 0;
  return Math.ceil(value / step) * step;
}

export function coarseFigures(f: Figures, buckets: FigureBuckets): ShownFigures {
  return { timeMs: bucket(f.timeMs, buckets.timeMs), memoryKb: bucket(f.memoryKb, buckets.memoryKb) };
}

/**
 * The figures a reader sees of one test result. Staff see them exactly; a student sees them coarse
 * for a test whose details are hidden from them (the same rule as its input and output).
 */
export function figuresFor(r: Figures & { visibility: Visibility; verdict: string }, staff: boolean, buckets: FigureBuckets): ShownFigures {
  const exact = { timeMs: r.timeMs, memoryKb: r.memoryKb };
  if (staff || !hiddenFromStudent(r.visibility, r.verdict === 'accepted')) return exact;
  return coarseFigures(exact, buckets);
}
