// Preloaded (`--import`) into every server bench/sockets.ts starts (the bare one, the sources under tsx,
// the production build): it answers two stdin lines. `WATCH` starts a window; `WATCHED` ends it and
// prints `WATCHED <json>`: the GC pauses in between (count, total and longest ms, by kind), the event
// loop's delay (p50/p99/max ms), and the peaks of RSS, V8's heap (total, used, malloced) and external
// memory. A broadcast's CPU says how much work it was; these say whether the process stalled in V8's
// collector or in one long synchronous stretch while it wrote, and what an RSS peak is made of
// (bench/README.md, sockets). With BENCH_WATCH_PROFILE=<dir> it also takes a CPU profile of the window and writes it there
// (`<mode>-<pid>.cpuprofile`; bench/_profile-summary.ts reads it). Plain JavaScript, so it loads into
// the built server without tsx.
/* global process, setInterval, clearInterval */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import readline from 'node:readline';
import v8 from 'node:v8';

const KINDS = { 1: 'scavenge', 2: 'markCompact', 4: 'incremental', 8: 'weakCallbacks' };
/** [kind, ms] of each GC since WATCH */
let pauses = [];
let delay;
let watching = false;
/** the largest of each over the window (sampled every 50 ms): which part of the process an RSS peak is */
let peak;
let sampler;
/** V8's per-GC heap statistics over the window (v8.GCProfiler): what each scavenge promoted */
let gcProfiler;

/**
 * Bytes the window's scavenges moved into the old generation: the growth of old space (and of the large
 * object space, which a scavenge also promotes into) across each scavenge, summed. Garbage that outlives
 * two scavenges is what an RSS peak is made of until the next mark-compact (bench/README.md, sockets4),
 * and unlike the peak it does not depend on when that mark-compact falls.
 */
function promoted(profile) {
  const used = (stats, names) => stats.heapSpaceStatistics.filter((s) => names.includes(s.spaceName)).reduce((n, s) => n + s.spaceUsedSize, 0);
  let bytes = 0;
  let scavenges = 0;
  for (const e of profile?.statistics ?? []) {
    if (e.gcType !== 'Scavenge') continue;
    scavenges++;
    const names = ['old_space', 'large_object_space'];
    bytes += Math.max(0, used(e.afterGC, names) - used(e.beforeGC, names));
  }
  return { promotedMb: Math.round((bytes / 2 ** 20) * 10) / 10, scavenges };
}

function sample() {
  const h = v8.getHeapStatistics();
  const m = process.memoryUsage();
  const mb = (n) => Math.round((n / 2 ** 20) * 10) / 10;
  const now = {
    rssMb: mb(m.rss),
    heapTotalMb: mb(h.total_heap_size),
    heapUsedMb: mb(h.used_heap_size),
    externalMb: mb(m.external),
    mallocedMb: mb(h.malloced_memory),
  };
  for (const [k, v] of Object.entries(now)) peak[k] = Math.max(peak[k] ?? 0, v);
}

new PerformanceObserver((list) => {
  if (!watching) return;
  for (const e of list.getEntries()) pauses.push([KINDS[e.detail?.kind] ?? String(e.detail?.kind), e.duration]);
}).observe({ entryTypes: ['gc'] });

const round = (n) => Math.round(n * 10) / 10;

function report() {
  const gc = {};
  let totalMs = 0;
  for (const [kind, ms] of pauses) {
    const k = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    k.count++;
    k.totalMs += ms;
    k.maxMs = Math.max(k.maxMs, ms);
    totalMs += ms;
  }
  for (const k of Object.values(gc)) {
    k.totalMs = round(k.totalMs);
    k.maxMs = round(k.maxMs);
  }
  const ms = (ns) => round(ns / 1e6);
  return {
    gcTotalMs: round(totalMs),
    gc,
    eventLoopDelayMs: delay ? { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) } : undefined,
    peak,
  };
}

const PROFILE_DIR = process.env.BENCH_WATCH_PROFILE;
let session;

/** BENCH_WATCH_PROFILE_KIND=heap: a sampling heap profile instead (what the window allocated that was still in the heap at its end, by allocation site) */
const HEAP = process.env.BENCH_WATCH_PROFILE_KIND === 'heap';

async function startProfile() {
  session = new Session();
  session.connect();
  if (HEAP) {
    await session.post('HeapProfiler.enable');
    // kept in the sample when a full collection frees them, dropped when a scavenge does: what lived long
    // enough to be promoted (the old generation's growth while broadcasting) and what is still live
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true });
    return;
  }
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}

async function writeProfile() {
  const { profile } = HEAP ? await session.post('HeapProfiler.stopSampling') : await session.post('Profiler.stop');
  session.disconnect();
  const file = path.join(PROFILE_DIR, `${process.env.BENCH_WATCH_NAME ?? 'server'}-${process.pid}.${HEAP ? 'heapprofile' : 'cpuprofile'}`);
  fs.writeFileSync(file, JSON.stringify(profile));
  return file;
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line.trim() === 'WATCH') {
    if (PROFILE_DIR) await startProfile();
    pauses = [];
    watching = true;
    peak = {};
    clearInterval(sampler);
    sampler = setInterval(sample, 50);
    sampler.unref();
    delay?.disable();
    delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    gcProfiler = new v8.GCProfiler();
    gcProfiler.start();
  } else if (line.trim() === 'WATCHED') {
    watching = false;
    clearInterval(sampler);
    delay?.disable();
    const result = report();
    result.promoted = promoted(gcProfiler?.stop());
    if (PROFILE_DIR) result.profile = await writeProfile();
    process.stdout.write(`WATCHED ${JSON.stringify(result)}\n`);
  }
});
