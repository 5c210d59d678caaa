import type { CodingTestCase, Visibility } from '../models';

/**
 * Whether a student is kept from a test's details (name, input, expected and actual output, diff)
 * given how it went: `hide` always, `hide_if_succeed` when it passed, `hide_if_fail` when it failed.
 * The API's responses and the worker's live events both follow this one rule.
 */
export function hiddenFromStudent(visibility: Visibility, passed: boolean): boolean {
  return visibility === 'hide' || (visibility === 'hide_if_succeed' && passed) || (visibility === 'hide_if_fail' && !passed);
}

export const hiddenTestName = (index: number) => `Hidden test ${index + 1}`;

/** The tests students see in a task and "run samples" runs: marked sample and shown always. */
export const isStudentSample = (t: Pick<CodingTestCase, 'sample' | 'visibility'>) => t.sample && t.visibility === 'show';
