import type { AiEvaluationResult, CodeMetrics, FunctionMetrics, RubricEntry } from '../../common/models/ai-evaluation';
import type { TestOutcome } from './types';

/** The thresholds the static reviewer judges by (documented in README.md#the-static-reviewer-metrics-and-thresholds). */
export const THRESHOLDS = {
  /** McCabe complexity per function: McCabe's own suggested limit (ESLint's rule defaults to 20) */
  complexity: 10,
  functionLines: 50,
  nesting: 4,
  /** comment lines / non-blank lines, required once the code has at least `commentRequiredFromLines` code lines */
  commentRatio: 0.1,
  commentRequiredFromLines: 20,
  /** top-level code lines with no function at all before that is an issue */
  topLevelLines: 30,
} as const;

const RUBRIC_MAX = 10;
const pct = (r: number) => `${Math.round(r * 100)}%`;
const clamp = (n: number) => Math.max(0, Math.min(RUBRIC_MAX, Math.round(n * 10) / 10));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const where = (f: FunctionMetrics, multiFile: boolean) => `\`${f.name}\`${multiFile ? ` (${f.file}:${f.line})` : ` (line ${f.line})`}`;

/**
 * The reviewer that answers without a language model: every sentence it writes states a measured
 * figure and, where one applies, the threshold it is judged against. Nothing is inferred about intent
 * or style that the figures do not show.
 */
export function staticReview(metrics: CodeMetrics, tests: TestOutcome): AiEvaluationResult {
  const multiFile = metrics.files > 1;
  const units = metrics.functions;
  const strengths: string[] = [];
  const issues: string[] = [];
  const suggestions: string[] = [];

  // tests
  const failed = tests.total - tests.passed;
  if (tests.verdict === 'compile_error') {
    issues.push('The code does not compile (verdict compile_error), so no test ran.');
    suggestions.push("Fix the compiler errors shown in the submission's compile output first.");
  } else if (tests.total > 0 && failed === 0) {
    strengths.push(`All ${plural(tests.total, 'test')} pass.`);
  } else if (tests.total > 0) {
    issues.push(`${failed} of ${plural(tests.total, 'test')} fail (verdict ${tests.verdict ?? 'unknown'}).`);
    const visible = tests.cases.filter((c) => !c.hidden && c.verdict !== 'accepted').map((c) => `\`${c.name}\``);
    suggestions.push(
      visible.length
        ? `Compare your output with the expected output of the failing visible tests: ${visible.slice(0, 5).join(', ')}.`
        : 'Only hidden tests fail: test your program on edge cases (empty input, limits, negative numbers) yourself.',
    );
  }
  if (metrics.parseError) {
    issues.push(`The JavaScript parser refused the code: ${metrics.parseError}.`);
  }

  // complexity
  const complexUnits = [...units, ...(metrics.topLevel.complexity > THRESHOLDS.complexity ? [topLevelUnit(metrics)] : [])].filter(
    (f) => f.complexity > THRESHOLDS.complexity,
  );
  for (const f of complexUnits) {
    issues.push(`${where(f, multiFile)} has cyclomatic complexity ${f.complexity} (threshold ${THRESHOLDS.complexity}).`);
    suggestions.push(`Split ${where(f, multiFile)} into smaller functions so each has complexity ${THRESHOLDS.complexity} or less.`);
  }
  if (complexUnits.length === 0 && units.length > 0) {
    const top = maxBy(units, (f) => f.complexity);
    strengths.push(`Every function has cyclomatic complexity ${THRESHOLDS.complexity} or less (highest: ${top.complexity} in \`${top.name}\`).`);
  }

  // length
  const longUnits = units.filter((f) => f.lines > THRESHOLDS.functionLines);
  for (const f of longUnits) {
    issues.push(`${where(f, multiFile)} is ${f.lines} lines long (threshold ${THRESHOLDS.functionLines}).`);
    suggestions.push(`Move parts of ${where(f, multiFile)} into helper functions so it is at most ${THRESHOLDS.functionLines} lines.`);
  }
  if (longUnits.length === 0 && units.length > 0) {
    const longest = maxBy(units, (f) => f.lines);
    strengths.push(`Every function is ${THRESHOLDS.functionLines} lines or shorter (longest: \`${longest.name}\`, ${longest.lines} lines).`);
  }
  if (units.length === 0 && metrics.lines.code > THRESHOLDS.topLevelLines) {
    issues.push(`All ${metrics.lines.code} code lines are top-level code; there is no function (threshold ${THRESHOLDS.topLevelLines} lines).`);
    suggestions.push('Put the steps of the program into named functions.');
  }

  // nesting
  const deepUnits = [...units, topLevelUnit(metrics)].filter((f) => f.maxNesting > THRESHOLDS.nesting);
  for (const f of deepUnits) {
    issues.push(`${where(f, multiFile)} nests control blocks ${f.maxNesting} deep (threshold ${THRESHOLDS.nesting}).`);
    suggestions.push(`Flatten ${where(f, multiFile)} with early returns or by moving the inner loop into its own function.`);
  }
  if (deepUnits.length === 0) strengths.push(`Nesting stays within ${THRESHOLDS.nesting} levels (deepest: ${metrics.maxNesting}).`);

  // comments
  const commentsRequired = metrics.lines.code >= THRESHOLDS.commentRequiredFromLines;
  if (commentsRequired && metrics.commentRatio < THRESHOLDS.commentRatio) {
    issues.push(
      `Comment ratio is ${pct(metrics.commentRatio)} (${plural(metrics.lines.comment, 'comment line')} for ${metrics.lines.code} code lines; threshold ${pct(THRESHOLDS.commentRatio)}).`,
    );
    suggestions.push('Add comments that explain the approach and any non-obvious step.');
  } else if (commentsRequired) {
    strengths.push(`Comment ratio is ${pct(metrics.commentRatio)} (threshold ${pct(THRESHOLDS.commentRatio)}).`);
  }

  return { summary: summarize(metrics, tests), strengths, issues, suggestions, rubric: rubric(metrics, tests) };
}

function topLevelUnit(metrics: CodeMetrics): FunctionMetrics {
  return { name: '(top level)', file: '', line: 1, lines: 0, complexity: metrics.topLevel.complexity, maxNesting: metrics.topLevel.maxNesting };
}

function maxBy<T>(items: T[], key: (t: T) => number): T {
  return items.reduce((best, t) => (key(t) > key(best) ? t : best));
}

function summarize(m: CodeMetrics, tests: TestOutcome): string {
  const parts: string[] = [];
  if (tests.verdict === 'compile_error') parts.push('The submission did not compile.');
  else
    parts.push(
      `Passed ${tests.passed} of ${plural(tests.total, 'test')} (score ${tests.score}/${tests.maxScore}, verdict ${tests.verdict ?? 'unknown'}).`,
    );
  parts.push(
    `${plural(m.lines.total, 'line')} (${m.lines.code} code, ${m.lines.comment} comment, ${m.lines.blank} blank) and ${plural(m.characters, 'character')} in ${plural(m.files, 'file')}; ${plural(m.functionCount, 'function')}.`,
  );
  const complex = m.functions.length ? maxBy(m.functions, (f) => f.complexity) : undefined;
  parts.push(
    `Highest cyclomatic complexity ${m.maxComplexity}${complex && complex.complexity === m.maxComplexity ? ` (\`${complex.name}\`)` : ' (top-level code)'}; deepest nesting ${m.maxNesting}; comment ratio ${pct(m.commentRatio)}.`,
  );
  parts.push(
    m.method === 'parser'
      ? 'Measured on the JavaScript syntax tree by the static reviewer; no language model was used.'
      : `Figures for ${m.language} are line-based heuristics; no language model was used.`,
  );
  return parts.join(' ');
}

function rubric(m: CodeMetrics, tests: TestOutcome): RubricEntry[] {
  const overNesting = Math.max(0, m.maxNesting - THRESHOLDS.nesting);
  const longCount = m.functions.filter((f) => f.lines > THRESHOLDS.functionLines).length;
  const commentsRequired = m.lines.code >= THRESHOLDS.commentRequiredFromLines;
  return [
    {
      criterion: 'correctness',
      score: tests.maxScore > 0 ? clamp((RUBRIC_MAX * tests.score) / tests.maxScore) : 0,
      max: RUBRIC_MAX,
      comment: `Score ${tests.score} of ${tests.maxScore}; ${tests.passed} of ${plural(tests.total, 'test')} passed.`,
    },
    {
      criterion: 'complexity',
      score: clamp(RUBRIC_MAX - Math.max(0, m.maxComplexity - THRESHOLDS.complexity)),
      max: RUBRIC_MAX,
      comment: `Highest cyclomatic complexity ${m.maxComplexity} (threshold ${THRESHOLDS.complexity}; one point off per step above).`,
    },
    {
      criterion: 'structure',
      score: clamp(RUBRIC_MAX - 2 * longCount - 2 * overNesting),
      max: RUBRIC_MAX,
      comment: `${plural(longCount, 'function')} over ${THRESHOLDS.functionLines} lines; deepest nesting ${m.maxNesting} (threshold ${THRESHOLDS.nesting}); two points off per long function and per level above.`,
    },
    {
      criterion: 'documentation',
      score: commentsRequired ? clamp((RUBRIC_MAX * m.commentRatio) / THRESHOLDS.commentRatio) : RUBRIC_MAX,
      max: RUBRIC_MAX,
      comment: commentsRequired
        ? `Comment ratio ${pct(m.commentRatio)}; ${pct(THRESHOLDS.commentRatio)} or more scores full marks.`
        : `Fewer than ${THRESHOLDS.commentRequiredFromLines} code lines (${m.lines.code}); comments are not required.`,
    },
  ];
}
