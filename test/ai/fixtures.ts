import crypto from 'node:crypto';
import { AiEvaluation, CodingSubmission, CodingTask, CodingTestCase, type JobStatus, type TestResult, type User } from '../../common/models';

export const SUM_SOURCE = `// reads numbers and prints their sum
const input = require('fs').readFileSync(0, 'utf8');
function sum(text) {
  let total = 0;
  for (const part of text.split(/\\s+/)) {
    if (part !== '') total += Number(part);
  }
  return total;
}
console.log(sum(input));
`;

export const HIDDEN_STDIN = 'SECRET-HIDDEN-INPUT 999999';

/**
 * A graded JavaScript submission as the grading worker leaves it: two visible tests (one failed)
 * and one hidden test, so evaluations can be checked against what a student may see.
 */
export async function createGradedSubmission(student: User, opts: { status?: JobStatus; classroomId?: string | null } = {}) {
  const task = await CodingTask.create({
    slug: `sum-${crypto.randomBytes(4).toString('hex')}`,
    title: 'Sum of input numbers',
    description: 'Read whitespace-separated integers and print their sum.',
    languages: ['javascript', 'python'],
    classroomId: opts.classroomId ?? student.classroomId ?? null,
    published: true,
    createdBy: null,
  });
  const tests = await CodingTestCase.bulkCreate([
    { taskId: task.id, position: 0, name: 'two numbers', stdin: '1 2', expected: '3', points: 2, visibility: 'show', sample: true },
    { taskId: task.id, position: 1, name: 'negative numbers', stdin: '-1 -2', expected: '-3', points: 2, visibility: 'show' },
    { taskId: task.id, position: 2, name: 'big input', stdin: HIDDEN_STDIN, expected: '999999', points: 2, visibility: 'hide' },
  ]);
  const verdicts = ['accepted', 'wrong_answer', 'accepted'] as const;
  const results: TestResult[] = tests.map((t, index) => ({
    index,
    testId: t.id,
    name: t.name,
    visibility: t.visibility,
    sample: t.sample,
    verdict: verdicts[index]!,
    points: t.points,
    earned: verdicts[index] === 'accepted' ? t.points : 0,
    timeMs: 12 + index,
    memoryKb: 20_000,
    exitCode: 0,
    signal: null,
    stdout: index === 1 ? '3\n' : `${t.expected}\n`,
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    diff: index === 1 ? 'line 1: expected "-3", got "3"' : null,
  }));
  const status = opts.status ?? 'completed';
  const submission = await CodingSubmission.create({
    taskId: task.id,
    userId: student.id,
    classroomId: opts.classroomId ?? student.classroomId ?? null,
    language: 'javascript',
    files: [{ name: 'main.js', content: SUM_SOURCE }],
    status,
    verdict: status === 'completed' ? 'wrong_answer' : null,
    score: status === 'completed' ? 4 : 0,
    maxScore: 6,
    results: status === 'completed' ? results : [],
    attempt: 1,
    finishedAt: status === 'completed' ? new Date() : null,
  });
  return { task, tests, submission };
}

/** Polls the evaluation until it settles (completed or failed); bounded in count, not timed. */
export async function settled(id: string, tries = 300): Promise<AiEvaluation> {
  for (let i = 0; i < tries; i++) {
    const evaluation = await AiEvaluation.findByPk(id);
    if (evaluation && (evaluation.status === 'completed' || evaluation.status === 'failed')) return evaluation;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`evaluation ${id} did not settle`);
}
