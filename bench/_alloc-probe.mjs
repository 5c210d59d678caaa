// Preloaded (`node --import ./bench/_alloc-probe.mjs …`) into a server under test by the benches
// only: the app itself carries no probe. Plain JavaScript so it loads into the built `dist/` server
// without tsx.
//
// SIGUSR2 starts a window; the next SIGUSR2 ends it and writes, to the file named by
// BENCH_ALLOC_FILE, what the process did in between: HTTP requests it began (diagnostics_channel
// `http.server.request.start`), bytes the JS heap allocated, bytes scavenges promoted to the old
// generation, and CPU time. Allocation is not a V8 counter in Node 24, so it is rebuilt from
// v8.GCProfiler: every GC's used-heap before it minus the used-heap after the previous one (or the
// window's start), plus what grew after the last GC. Promotion is the old space's growth across each
// young-generation GC.
/* global process */
import diagnostics from 'node:diagnostics_channel';
import inspector from 'node:inspector';
import fs from 'node:fs';
import v8 from 'node:v8';

const file = process.env.BENCH_ALLOC_FILE;
if (file) {
  // BENCH_ALLOC_SAMPLE=1: also a sampling heap profile of the window, written beside the figures
  const sampling = process.env.BENCH_ALLOC_SAMPLE === '1' ? new inspector.Session() : null;
  let requests = 0;
  diagnostics.subscribe('http.server.request.start', () => {
    requests++;
  });
  /** @type {null | { profiler: v8.GCProfiler, used: number, requests: number, cpu: NodeJS.CpuUsage, hr: bigint }} */
  let window = null;
  process.on('SIGUSR2', () => {
    if (!window) {
      const profiler = new v8.GCProfiler();
      profiler.start();
      if (sampling) {
        sampling.connect();
        // objects the GCs reclaimed are kept too: what a request allocates is almost all short-lived
        sampling.post('HeapProfiler.startSampling', {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
      }
      window = { profiler, used: v8.getHeapStatistics().used_heap_size, requests, cpu: process.cpuUsage(), hr: process.hrtime.bigint() };
      return;
    }
    const { profiler, used: startUsed, requests: startRequests, cpu, hr } = window;
    window = null;
    const endUsed = v8.getHeapStatistics().used_heap_size;
    const cpuUsed = process.cpuUsage(cpu);
    const seconds = Number(process.hrtime.bigint() - hr) / 1e9;
    const stats = profiler.stop()?.statistics ?? [];
    let allocated = 0;
    let promoted = 0;
    let previousAfter = startUsed;
    let scavenges = 0;
    let fullGcs = 0;
    let gcMs = 0;
    const oldSpace = (s) => s.heapSpaceStatistics.find((x) => x.spaceName === 'old_space')?.spaceUsedSize ?? 0;
    for (const gc of stats) {
      allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previousAfter);
      previousAfter = gc.afterGC.heapStatistics.usedHeapSize;
      gcMs += gc.cost / 1000;
      if (gc.gcType === 'Scavenge' || gc.gcType === 'MinorMarkSweep') {
        scavenges++;
        promoted += Math.max(0, oldSpace(gc.afterGC) - oldSpace(gc.beforeGC));
      } else fullGcs++;
    }
    allocated += Math.max(0, endUsed - previousAfter);
    const n = requests - startRequests;
    const result = {
      requests: n,
      seconds: Math.round(seconds * 100) / 100,
      allocatedBytes: allocated,
      promotedBytes: promoted,
      bytesAllocatedPerRequest: n ? Math.round(allocated / n) : null,
      bytesPromotedPerRequest: n ? Math.round(promoted / n) : null,
      cpuMsPerRequest: n ? Math.round(((cpuUsed.user + cpuUsed.system) / 1000 / n) * 1000) / 1000 : null,
      gc: { scavenges, fullGcs, ms: Math.round(gcMs), msPerRequest: n ? Math.round((gcMs / n) * 1000) / 1000 : null },
    };
    if (sampling) {
      sampling.post('HeapProfiler.stopSampling', (err, out) => {
        if (!err) fs.writeFileSync(`${file}.heapprofile`, JSON.stringify(out.profile));
        sampling.disconnect();
        fs.writeFileSync(file, JSON.stringify(result));
      });
    } else fs.writeFileSync(file, JSON.stringify(result));
  });
}
