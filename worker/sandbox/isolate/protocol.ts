import type { Limits, RunResult, TestRun } from '../types';

type Files = { name: string; content: string }[];

/** One test of a `batch` (PreparedProgram.runAll): its stdin, and what its output must match for the batch to go on. */
export type BatchTest = TestRun;

/**
 * Messages between the isolate pool (worker process) and a runner child. Plain JSON over IPC.
 * A prepared program is a session: `open` compiles it (the syntax check) in an isolate the child
 * keeps for it, each `run` executes it in a fresh context of that isolate, and a `close` listed
 * on a later request frees it. Every `run` carries the files too, so any child can rebuild a session it does not hold.
 * A `batch` is a submission's runs in one request: the child runs them one after the other, each as a
 * `run` would, and answers `batch` with their results; a batch still running after PROGRESS_MS sends
 * what it has so far as `progress` (live events of slow tests). A batch with `open` is a prepared
 * program's first request: the child does the syntax check first (as `open`) and sends its result with
 * the first message it sends for the batch (`progress` or `batch`); after a failed check, at once, with no run.
 */
export type ChildRequest = (
  | { id: number; kind: 'open'; session: number; files: Files; memoryMb: number }
  | { id: number; kind: 'run'; session: number; files: Files; stdin: string; limits: Limits }
  | { id: number; kind: 'batch'; session: number; files: Files; tests: BatchTest[]; limits: Limits; open?: true }
) & {
  /** sessions to free first: a disposed program's close rides on the child's next request */
  close?: number[];
};

/** the syntax check's answer (`open`, or the first message of a batch with `open`) */
export interface OpenResult {
  ok: boolean;
  output: string;
  timeMs: number;
}

export type ChildResponse =
  | ({ id: number; kind: 'open' } & OpenResult)
  | { id: number; kind: 'run'; result: RunResult }
  | { id: number; kind: 'progress'; results: RunResult[]; compile?: OpenResult }
  | { id: number; kind: 'batch'; results: RunResult[]; compile?: OpenResult }
  | { id: number; kind: 'error'; message: string };

/** how long a batch's results may wait in the child before they are sent as `progress` */
export const PROGRESS_MS = 50;
