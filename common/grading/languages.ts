/**
 * The languages GEMA grades: what the API accepts on a task or a submission, and what the worker's
 * sandbox must run. One list, imported by both sides.
 */
export const LANGUAGES = ['javascript', 'python', 'c', 'cpp', 'java'] as const;
export type Language = (typeof LANGUAGES)[number];
