import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Gives an idle process's young generation back to the system. Start-up (loading ~1,300 modules)
 * and any busy spell grow V8's new space to its maximum (2 × `--max-semi-space-size`: 16 MB with the flags of heap-flags.ts), and
 * V8 shrinks it only in a memory-reducing collection, which an idle process never triggers: the
 * API idled at ~128 MB RSS with 30 MB of it an empty new space. One such collection when the
 * process has gone quiet after start-up or after load brings it to ~98 MB (README.md#memory-and-start-up);
 * the new space grows back within the first scavenges once requests come. Costs ~25–150 ms of CPU,
 * taken only while the event loop has been idle for a whole check interval, and once per quiet spell.
 */
export interface IdleHeapTrimOptions {
  /** how often the event loop's utilization is read */
  everyMs?: number;
  /** utilization over an interval below this counts as idle */
  idleBelow?: number;
  /** utilization over an interval above this makes the next idle interval trim again */
  busyAbove?: number;
  /** the event loop's utilization since the previous call (0–1); tests hand in their own */
  sample?: () => number;
  /** the memory-reducing collection; tests hand in their own */
  collect?: () => void;
}

export interface IdleHeapTrim {
  /** one check: trims when idle and something grew the heap since the last trim; true when it trimmed */
  tick(): boolean;
  stop(): void;
}

/**
 * V8's `gc` extension, made available to this module only (the flag is switched off again, so no
 * other context and no library sees a global `gc`): the same way Jest's --logHeapUsage reaches it.
 * `last-resort` is the collection V8 itself runs under memory pressure: it compacts and shrinks the
 * new space, which an ordinary full collection does not.
 */
function memoryReducingCollection(): () => void {
  v8.setFlagsFromString('--expose-gc');
  try {
    const gc = vm.runInNewContext('gc') as (options: { type: 'major'; flavor: 'last-resort' }) => void;
    return () => gc({ type: 'major', flavor: 'last-resort' });
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

function utilizationSampler(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}

export function trimHeapWhenIdle(options: IdleHeapTrimOptions = {}): IdleHeapTrim {
  const { everyMs = 2500, idleBelow = 0.05, busyAbove = 0.2 } = options;
  const sample = options.sample ?? utilizationSampler();
  let collect = options.collect;
  // start-up itself is the first busy spell
  let grown = true;
  const tick = () => {
    const utilization = sample();
    if (utilization > busyAbove) grown = true;
    if (!grown || utilization >= idleBelow) return false;
    collect ??= memoryReducingCollection();
    collect();
    grown = false;
    return true;
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
