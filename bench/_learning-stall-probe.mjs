// Preloaded (`node --import ./bench/_learning-stall-probe.mjs …`) into a server under test by the
// learning benches only: where a request's tail latency can come from inside the process. Plain
// JavaScript so it loads into the built `dist/` server without tsx.
//
// SIGUSR2 starts a window (the allocation probe, bench/_alloc-probe.mjs, listens to the same signal,
// so both measure the same window); the next SIGUSR2 ends it and writes, to BENCH_STALL_FILE:
//   - the event loop's delay (perf_hooks.monitorEventLoopDelay at 1 ms resolution): how late a timer
//     due every millisecond ran, i.e. how long the loop was held by one piece of work; p50/p95/p99/max
//     and how many times it was held over 10 and 20 ms;
//   - every GC pause (PerformanceObserver 'gc'), by kind: count, total, largest, and how many were
//     over 5 and 10 ms. A scavenge or a mark-compact's final pause holds the loop like any other work;
//   - the main thread's time on a CPU and waiting for one (/proc/self/task/<pid>/schedstat): on a
//     shared machine the loop is also held while other processes run on the server's core, which no
//     change to the server can remove;
//   - the young generation's size at the start and the end (the idle heap trim shrinks it, and
//     V8 grows it back only as scavenges see enough survive: until then they come more often).
/* global process, performance, setInterval, clearInterval */
import fs from 'node:fs';
import v8 from 'node:v8';
import { monitorEventLoopDelay, PerformanceObserver, constants } from 'node:perf_hooks';

const file = process.env.BENCH_STALL_FILE;
if (file) {
  const KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  // nanoseconds on a CPU, nanoseconds runnable but waiting for one, timeslices
  const schedstat = () => {
    try {
      return fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    } catch {
      return [0, 0, 0];
    }
  };
  const newSpaceMb = () => Math.round((v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0) / 1e5) / 10;
  /** @type {null | { newSpace: number, sched: number[], delay: import('node:perf_hooks').IntervalHistogram, gcs: { kind: string, ms: number }[], observer: PerformanceObserver, held: number[], timer: NodeJS.Timeout, last: number }} */
  let window = null;
  process.on('SIGUSR2', () => {
    if (!window) {
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const gcs = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) gcs.push({ kind: KINDS[e.detail?.kind] ?? String(e.detail?.kind), ms: e.duration });
      });
      observer.observe({ entryTypes: ['gc'] });
      // the histogram has no count above a threshold: a 1 ms timer that notes each lateness over 10 ms
      const held = [];
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        if (now - last > 11) held.push(now - last - 1);
        last = now;
      }, 1);
      window = { newSpace: newSpaceMb(), sched: schedstat(), delay, gcs, observer, held, timer, last };
      return;
    }
    const { newSpace, sched, delay, gcs, observer, held, timer } = window;
    const schedNow = schedstat();
    window = null;
    clearInterval(timer);
    delay.disable();
    observer.disconnect();
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const byKind = {};
    for (const { kind, ms: d } of gcs) {
      const k = (byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0, over5ms: 0, over10ms: 0 });
      k.count++;
      k.totalMs += d;
      k.maxMs = Math.max(k.maxMs, d);
      if (d > 5) k.over5ms++;
      if (d > 10) k.over10ms++;
    }
    for (const k of Object.values(byKind)) {
      k.totalMs = Math.round(k.totalMs * 10) / 10;
      k.maxMs = Math.round(k.maxMs * 10) / 10;
    }
    held.sort((a, b) => b - a);
    fs.writeFileSync(
      file,
      JSON.stringify({
        loopDelayMs: { p50: ms(delay.percentile(50)), p95: ms(delay.percentile(95)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
        loopHeld: {
          over10ms: held.length,
          over20ms: held.filter((h) => h > 20).length,
          largestMs: held.slice(0, 5).map((h) => Math.round(h * 10) / 10),
        },
        gc: byKind,
        newSpaceMb: { start: newSpace, end: newSpaceMb() },
        mainThread: {
          cpuMs: Math.round((schedNow[0] - sched[0]) / 1e6),
          runQueueWaitMs: Math.round((schedNow[1] - sched[1]) / 1e6),
          timeslices: schedNow[2] - sched[2],
        },
      }),
    );
  });
}
