import type { Limits, RunResult } from '../types';

type Files = { name: string; content: string }[];

/**
 * Messages between the isolate pool (worker process) and a runner child. Plain JSON over IPC.
 * A prepared program is a session: `open` compiles it (the syntax check) in an isolate the child
 * keeps for it, each `run` executes it in a fresh context of that isolate, and a `close` listed
 * on a later request frees it. Every `run` carries the files too, so any child can rebuild a session it does not hold.
 */
export type ChildRequest = (
  | { id: number; kind: 'open'; session: number; files: Files; memoryMb: number }
  | { id: number; kind: 'run'; session: number; files: Files; stdin: string; limits: Limits }
) & {
  /** sessions to free first: a disposed program's close rides on the child's next request */
  close?: number[];
};

export type ChildResponse =
  | { id: number; kind: 'open'; ok: boolean; output: string; timeMs: number }
  | { id: number; kind: 'run'; result: RunResult }
  | { id: number; kind: 'error'; message: string };
