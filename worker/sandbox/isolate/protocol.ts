import type { Limits, RunResult } from '../types';

/** Messages between the isolate pool (worker process) and a runner child. Plain JSON over IPC. */
export type ChildRequest =
  | { id: number; kind: 'check'; files: { name: string; content: string }[] }
  | { id: number; kind: 'run'; files: { name: string; content: string }[]; stdin: string; limits: Limits };

export type ChildResponse =
  | { id: number; kind: 'check'; ok: boolean; output: string; timeMs: number }
  | { id: number; kind: 'run'; result: RunResult }
  | { id: number; kind: 'error'; message: string };
