/**
 * Late-work arithmetic, kept pure so its boundaries are tested without a clock or a database.
 *
 * - A day late is any started 24 hours past the due time: exactly at the due time is on time, one
 *   second after is one day late, 24 h 0 min 1 s after is two days late.
 * - The penalty is `penaltyPercentPerDay` × days late, a percentage of the assignment's maximum
 *   points, capped at 100 %; the graded result never drops below 0.
 */
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface LatePolicy {
  acceptLate: boolean;
  penaltyPercentPerDay: number;
  /** null: no limit on how late */
  maxLateDays: number | null;
}

export type LateAssessment =
  { accepted: true; daysLate: number; penaltyPercent: number } | { accepted: false; daysLate: number; reason: 'LATE_NOT_ACCEPTED' | 'TOO_LATE' };

export function daysLate(dueAt: Date, submittedAt: Date): number {
  const over = submittedAt.getTime() - dueAt.getTime();
  return over <= 0 ? 0 : Math.ceil(over / DAY_MS);
}

export function assessLateness(dueAt: Date, submittedAt: Date, policy: LatePolicy): LateAssessment {
  const days = daysLate(dueAt, submittedAt);
  if (days === 0) return { accepted: true, daysLate: 0, penaltyPercent: 0 };
  if (!policy.acceptLate) return { accepted: false, daysLate: days, reason: 'LATE_NOT_ACCEPTED' };
  if (policy.maxLateDays !== null && days > policy.maxLateDays) return { accepted: false, daysLate: days, reason: 'TOO_LATE' };
  return { accepted: true, daysLate: days, penaltyPercent: Math.min(100, round2(days * policy.penaltyPercentPerDay)) };
}

/** The grade after the penalty: raw − penalty % of max points, never below 0, to two decimals. */
export function applyPenalty(rawGrade: number, maxPoints: number, penaltyPercent: number): number {
  return Math.max(0, round2(rawGrade - (maxPoints * penaltyPercent) / 100));
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
