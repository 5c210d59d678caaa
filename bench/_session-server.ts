import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { HEAP_FLAGS } from '../common/runtime/heap-flags';
import type { AllocationProbe } from './_alloc';
import { waitForLine } from './_lib';
import { serverCommand } from './_wrk';

export interface SessionServerOptions {
  /** `app` (the real app) or `bare` (the ceiling): bench/_auth-session-server.ts's argument */
  mode: string;
  env: Record<string, string>;
  /** node flags after production's heap flags */
  nodeFlags?: string[];
  /** the allocation probe preloaded into the server (bench/_alloc.ts) */
  probe?: AllocationProbe;
  /** the checkout whose bench/_auth-session-server.ts runs, and the server's working directory (this one by default) */
  dir?: string;
  /** a built script to run instead of the checkout's source under tsx */
  script?: string;
}

/**
 * bench/_auth-session-server.ts in a child process of its own, with production's heap flags and
 * pinned apart from the load generator (bench/_wrk.ts): what every `GET /auth/session` bench drives.
 * Resolves once it listens; `origin` is `http://127.0.0.1:<port>`.
 */
export async function startSessionServer(options: SessionServerOptions): Promise<{ child: ChildProcess; origin: string }> {
  const dir = path.resolve(options.dir ?? path.join(__dirname, '..'));
  const entry = options.script ? [options.script] : ['--import', 'tsx', path.join(dir, 'bench/_auth-session-server.ts')];
  const { cmd, args } = serverCommand([...HEAP_FLAGS, ...(options.nodeFlags ?? []), ...(options.probe?.nodeArgs ?? []), ...entry, options.mode]);
  const child = spawn(cmd, args, { cwd: dir, env: { ...options.env, ...options.probe?.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await waitForLine(child, (line) => /^READY (\d+)$/.exec(line)?.[1], `${options.mode} server`).then(Number);
  return { child, origin: `http://127.0.0.1:${port}` };
}

/** BENCH_SERVER_NODE_FLAGS, split: node flags a bench adds to its servers (e.g. a CPU profile) */
export const envNodeFlags = (): string[] => process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
