import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The parent's side of bench/_alloc-probe.mjs: the node flags that preload the probe into a server
 * under test, and a window around some load that reads back what the server allocated per request.
 */
export interface AllocationFigures {
  requests: number;
  seconds: number;
  allocatedBytes: number;
  promotedBytes: number;
  bytesAllocatedPerRequest: number | null;
  bytesPromotedPerRequest: number | null;
  cpuMsPerRequest: number | null;
  gc: { scavenges: number; fullGcs: number; ms: number; msPerRequest: number | null };
}

export interface AllocationProbe {
  /** node flags to put before the script */
  nodeArgs: string[];
  /** env the server needs (BENCH_ALLOC_FILE) */
  env: Record<string, string>;
  measure: <T>(pid: number, during: () => Promise<T>) => Promise<{ result: T; allocation: AllocationFigures }>;
}

export function allocationProbe(name: string): AllocationProbe {
  const file = path.join(os.tmpdir(), `gema-alloc-${process.pid}-${name}.json`);
  return {
    nodeArgs: ['--import', path.join(__dirname, '_alloc-probe.mjs')],
    env: { BENCH_ALLOC_FILE: file },
    async measure(pid, during) {
      fs.rmSync(file, { force: true });
      process.kill(pid, 'SIGUSR2');
      const result = await during();
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 200 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
      const allocation = JSON.parse(fs.readFileSync(file, 'utf8')) as AllocationFigures;
      fs.rmSync(file, { force: true });
      // with BENCH_ALLOC_SAMPLE=1 the probe leaves a sampling heap profile: keep it where asked
      if (fs.existsSync(`${file}.heapprofile`) && process.env.BENCH_ALLOC_PROFILE_TO)
        fs.renameSync(`${file}.heapprofile`, process.env.BENCH_ALLOC_PROFILE_TO);
      return { result, allocation };
    },
  };
}
