import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { percentile, runAutocannon } from './_lib';

/**
 * The load generator every HTTP bench uses: wrk (a C program, so it needs far less CPU per request
 * than the server it measures), pinned to the last CPU with taskset while the server is pinned to the
 * others (`serverPin`), so the two never share a core. Without wrk it falls back to autocannon in
 * this process, and says so in `generator`. BENCH_PIN=0 turns pinning off; BENCH_GENERATOR=autocannon
 * forces the fallback.
 */
export interface LoadFigures {
  generator: 'wrk' | 'autocannon';
  pinned: boolean;
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** responses that were not 2xx/3xx, plus socket errors and timeouts */
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** one header whose value turns over request by request (e.g. 200 students' tokens); wrk only */
  rotate?: { name: string; values: string[] };
}

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const cpus = os.availableParallelism();
const pinning = process.env.BENCH_PIN !== '0' && cpus >= 2 && has('taskset');
export const wrkAvailable = process.env.BENCH_GENERATOR !== 'autocannon' && has('wrk');

/** The CPUs a server under test may use ("0" on two cores), or undefined when nothing is pinned. */
export const serverCpus = pinning && wrkAvailable ? `0-${cpus - 2}` : undefined;
const generatorCpu = String(cpus - 1);

/**
 * The command to spawn a server with: `taskset -c <server cpus> node …` when pinning, else node.
 * Use as `spawn(cmd, args)`.
 */
export function serverCommand(nodeArgs: string[]): { cmd: string; args: string[] } {
  return serverCpus ? { cmd: 'taskset', args: ['-c', serverCpus, process.execPath, ...nodeArgs] } : { cmd: process.execPath, args: nodeArgs };
}

// wrk reports p50/p99 with --latency but not p95: a `done` hook prints the figures as one JSON line
const REPORT_LUA = `
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"errors":%d,"p50":%d,"p95":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, errors, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
`;

function luaFile(headers: Record<string, string>, rotate?: LoadOptions['rotate']): string {
  const file = path.join(os.tmpdir(), `gema-wrk-${process.pid}.lua`);
  const set = Object.entries(headers)
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  const turn = rotate
    ? `local values = {${rotate.values.map((v) => JSON.stringify(v)).join(',')}}
local i = math.random(#values)
request = function()
  i = i % #values + 1
  wrk.headers[${JSON.stringify(rotate.name)}] = values[i]
  return wrk.format()
end`
    : '';
  fs.writeFileSync(file, `${set}\n${turn}\n${REPORT_LUA}`);
  return file;
}

const ms = (us: number) => Math.round(us / 100) / 10;

async function runWrk(opts: LoadOptions): Promise<LoadFigures> {
  const script = luaFile(opts.headers ?? {}, opts.rotate);
  const threads = Math.min(opts.connections, pinning ? 1 : 2);
  const wrkArgs = ['-t', String(threads), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--timeout', '10s', '-s', script, opts.url];
  const [cmd, args] = pinning ? ['taskset', ['-c', generatorCpu, 'wrk', ...wrkArgs]] : ['wrk', wrkArgs];
  const out = await new Promise<string>((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`wrk failed: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk printed no report:\n${out}`);
  const r = JSON.parse(line.slice(8)) as { requests: number; durationUs: number; errors: number; p50: number; p95: number; p99: number; max: number };
  return {
    generator: 'wrk',
    pinned: pinning,
    connections: opts.connections,
    seconds: opts.seconds,
    requests: r.requests,
    requestsPerSecond: Math.round(r.requests / (r.durationUs / 1e6)),
    latencyMs: { p50: ms(r.p50), p95: ms(r.p95), p99: ms(r.p99), max: ms(r.max) },
    errors: r.errors,
  };
}

async function runFallback(opts: LoadOptions): Promise<LoadFigures> {
  const headers = { ...opts.headers, ...(opts.rotate ? { [opts.rotate.name]: opts.rotate.values[0]! } : {}) };
  const { result, latencies } = await runAutocannon({ url: opts.url, connections: opts.connections, duration: opts.seconds, headers });
  return {
    generator: 'autocannon',
    pinned: false,
    connections: opts.connections,
    seconds: opts.seconds,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: result.latency.max },
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

/** Drives `url` for `seconds` and returns throughput and latency. */
export function load(opts: LoadOptions): Promise<LoadFigures> {
  return wrkAvailable ? runWrk(opts) : runFallback(opts);
}

/** A short unmeasured run, to warm the JIT and the pools. */
export async function warm(opts: Omit<LoadOptions, 'seconds'>, seconds = 2): Promise<void> {
  if (wrkAvailable) await runWrk({ ...opts, seconds });
  else await runFallback({ ...opts, seconds });
}

/** Resident set size of a process in MB, from /proc (0 when it is gone). */
export function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return 0;
  }
}
