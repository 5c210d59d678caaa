import { CodingTask, CodingTestCase, type CodingSubmission } from '../../common/models';
import { hiddenFromStudent } from '../../common/grading/visibility';
import { figuresFor, type FigureBuckets } from '../../common/grading/coarse-figures';
import type { EvaluationInput, TestCaseOutcome } from './types';

const OUTPUT_KEEP = 2000;

/**
 * What a reviewer may know about a graded submission. The review is shown to the student, so a
 * test the student may not see in detail is passed on with its verdict only: its input and
 * expected output never reach a model that could repeat them, and its time and memory only as
 * coarsely as the student sees them.
 */
export async function loadEvaluationInput(submission: CodingSubmission, buckets: FigureBuckets): Promise<EvaluationInput> {
  const task = await CodingTask.findByPk(submission.taskId, { paranoid: false });
  const testCases = await CodingTestCase.findAll({ where: { taskId: submission.taskId } });
  const byId = new Map(testCases.map((t) => [t.id, t]));
  const results = [...(submission.results ?? [])].sort((a, b) => a.index - b.index);

  const cases: TestCaseOutcome[] = results.map((r) => {
    const passed = r.verdict === 'accepted';
    const hidden = hiddenFromStudent(r.visibility, passed);
    const test = byId.get(r.testId);
    const outcome: TestCaseOutcome = { name: r.name, verdict: r.verdict, ...figuresFor(r, false, buckets), hidden };
    if (!hidden && test) {
      outcome.stdin = test.stdin;
      outcome.expected = test.expected;
      outcome.actual = r.stdout.slice(0, OUTPUT_KEEP);
    }
    return outcome;
  });

  return {
    task: { title: task?.title ?? '(deleted task)', description: task?.description ?? '' },
    language: submission.language,
    files: submission.files,
    tests: {
      passed: results.filter((r) => r.verdict === 'accepted').length,
      total: results.length,
      score: submission.score,
      maxScore: submission.maxScore,
      verdict: submission.verdict ?? null,
      compileOutput: submission.compileOutput ?? null,
      cases,
    },
  };
}
