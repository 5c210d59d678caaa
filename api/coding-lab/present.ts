import { hiddenFromStudent, hiddenTestName, isStudentSample } from '../../common/grading/visibility';
import { figuresFor, type FigureBuckets } from '../../common/grading/coarse-figures';
import type { CodingRun, CodingSubmission, CodingTask, CodingTestCase, TestResult } from '../../common/models';

export function presentTestCase(t: CodingTestCase) {
  return {
    id: t.id,
    position: t.position,
    name: t.name,
    stdin: t.stdin,
    expected: t.expected,
    comparison: t.comparison,
    tolerance: t.tolerance,
    points: t.points,
    visibility: t.visibility,
    sample: t.sample,
  };
}

/** A sample as students see it: what to feed the program and what it should print. */
function presentSample(t: CodingTestCase) {
  return { id: t.id, name: t.name, stdin: t.stdin, expected: t.expected, comparison: t.comparison };
}

export interface TaskView {
  /** true for those who may manage the task: they get every test in full */
  manage: boolean;
  solved?: boolean;
}

export function presentTask(task: CodingTask, tests: CodingTestCase[], view: TaskView) {
  return {
    id: task.id,
    slug: task.slug,
    title: task.title,
    description: task.description,
    difficulty: task.difficulty,
    tags: task.tags,
    languages: task.languages,
    starterCode: task.starterCode,
    timeLimitMs: task.timeLimitMs,
    memoryLimitMb: task.memoryLimitMb,
    points: task.points,
    classroomId: task.classroomId,
    published: task.published,
    scoring: task.scoring,
    stopOnFirstFailure: task.stopOnFirstFailure,
    testCount: tests.length,
    maxScore: tests.reduce((sum, t) => sum + t.points, 0),
    samples: tests.filter(isStudentSample).map(presentSample),
    ...(view.manage ? { tests: tests.map(presentTestCase) } : {}),
    ...(view.solved !== undefined ? { solved: view.solved } : {}),
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
  };
}

export function presentTaskSummary(task: CodingTask, solved: boolean) {
  return {
    id: task.id,
    slug: task.slug,
    title: task.title,
    difficulty: task.difficulty,
    tags: task.tags,
    languages: task.languages,
    points: task.points,
    classroomId: task.classroomId,
    published: task.published,
    solved,
    createdAt: task.createdAt,
  };
}

type TestTexts = Map<string, Pick<CodingTestCase, 'stdin' | 'expected'>>;

/**
 * One test result for a reader. Staff see everything. A student sees a hidden test's verdict and
 * its time and memory rounded to `buckets` only: never its input, expected output, the program's
 * output or the diff (README.md#hidden-tests-and-their-figures).
 */
export function presentResult(r: TestResult, staff: boolean, texts: TestTexts, buckets: FigureBuckets) {
  const base = {
    index: r.index,
    verdict: r.verdict,
    points: r.points,
    earned: r.earned,
    ...figuresFor(r, staff, buckets),
  };
  const hidden = r.visibility !== 'show';
  if (!staff && hiddenFromStudent(r.visibility, r.verdict === 'accepted')) {
    return { ...base, name: hiddenTestName(r.index), hidden: true, figures: { timeBucketMs: buckets.timeMs, memoryBucketKb: buckets.memoryKb } };
  }
  const text = texts.get(r.testId);
  return {
    ...base,
    name: r.name,
    hidden,
    ...(staff ? { testId: r.testId, visibility: r.visibility } : {}),
    stdin: text?.stdin ?? null,
    expected: text?.expected ?? null,
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    stdoutTruncated: r.stdoutTruncated,
    stderrTruncated: r.stderrTruncated,
    diff: r.diff,
  };
}

export function presentSubmissionSummary(s: CodingSubmission) {
  return {
    id: s.id,
    taskId: s.taskId,
    userId: s.userId,
    language: s.language,
    status: s.status,
    verdict: s.verdict,
    score: s.score,
    maxScore: s.maxScore,
    attempt: s.attempt,
    queuedAt: s.queuedAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    createdAt: s.createdAt,
  };
}

export function presentSubmission(s: CodingSubmission, staff: boolean, texts: TestTexts, buckets: FigureBuckets) {
  return {
    ...presentSubmissionSummary(s),
    files: s.files,
    compileOutput: s.compileOutput,
    results: s.results.map((r) => presentResult(r, staff, texts, buckets)),
    ...(staff && s.error ? { error: s.error } : {}),
  };
}

export function presentRun(run: CodingRun) {
  return {
    id: run.id,
    language: run.language,
    status: run.status,
    stdin: run.stdin,
    compileOutput: run.compileOutput,
    result: run.result,
    ...(run.taskId ? { taskId: run.taskId, sampleResults: run.sampleResults } : {}),
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
  };
}
