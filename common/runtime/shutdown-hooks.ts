import type { Logger } from '../logger';

/**
 * The order every process stops in: first nothing new comes in (listeners, queue consumers stop
 * taking work), then what is in flight finishes (requests, jobs) up to the deadline, then the pools
 * under it all close (PostgreSQL, Redis). Closing a pool before the drain would fail the very jobs
 * the drain waits for.
 */
export const SHUTDOWN_PHASES = ['stop-intake', 'drain', 'close-pools'] as const;
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

/** A drain hook may say whether its work finished (`drained`) or was cut at the deadline (`forced`). */
export type HookResult = 'drained' | 'forced' | void;

interface Hook {
  phase: ShutdownPhase;
  name: string;
  run: (deadlineMs: number) => Promise<HookResult> | HookResult;
}

export class ShutdownHooks {
  private readonly hooks: Hook[] = [];

  /** Registers a hook; hooks of one phase run together, phases one after the other. */
  add(phase: ShutdownPhase, name: string, run: Hook['run']): void {
    this.hooks.push({ phase, name, run });
  }

  /**
   * Runs every hook, phase by phase. A hook that throws is logged and does not stop the others: a
   * Redis that is already gone must not keep PostgreSQL's pool open. Resolves `forced` when any
   * drain hook was cut at the deadline.
   */
  async run(logger: Logger, deadlineMs: number): Promise<'drained' | 'forced'> {
    let outcome: 'drained' | 'forced' = 'drained';
    for (const phase of SHUTDOWN_PHASES) {
      const hooks = this.hooks.filter((h) => h.phase === phase);
      const results = await Promise.allSettled(hooks.map(async (h) => h.run(deadlineMs)));
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          logger.error('shutdown hook failed', { phase, hook: hooks[i]!.name, error: (r.reason as Error)?.message ?? String(r.reason) });
        } else if (r.value === 'forced') {
          outcome = 'forced';
        }
      });
    }
    return outcome;
  }
}
