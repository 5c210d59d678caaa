import type { ScoringMode, TestResult, Verdict } from '../../common/models';

export interface Score {
  verdict: Verdict;
  score: number;
  maxScore: number;
}

/**
 * The submission's verdict is that of its first test that did not pass (in test order), or
 * `accepted`. `partial` scores the points of the passed tests; `all_or_nothing` all or none.
 */
export function scoreResults(results: Pick<TestResult, 'verdict' | 'points'>[], scoring: ScoringMode): Score {
  const maxScore = results.reduce((sum, r) => sum + r.points, 0);
  const failed = results.find((r) => r.verdict !== 'accepted');
  const verdict: Verdict = !failed ? 'accepted' : failed.verdict === 'skipped' ? 'internal_error' : failed.verdict;
  const passedPoints = results.filter((r) => r.verdict === 'accepted').reduce((sum, r) => sum + r.points, 0);
  const score = scoring === 'all_or_nothing' ? (failed ? 0 : maxScore) : passedPoints;
  return { verdict, score, maxScore };
}
