import '../common/require-node';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import os from 'node:os';
import { serverCpus } from './_wrk';

/**
 * An open-loop load generator at a fixed rate, for bench/learning.ts (wrk2 is not installed, and
 * autocannon's `overallRate` is not open-loop: each connection sends its quota for the second as fast
 * as answers come back, then waits for the next second, so a 3,000 req/s run is a saturation burst
 * followed by idleness). Here request i is due at start + i / rate whatever happened to the ones
 * before it; it goes out on an idle keep-alive connection, or waits in line for one, and its latency
 * runs from the moment it was due, not from when it was written, so a stall of the server counts
 * against every request it delayed (no coordinated omission). A closed-loop tool at saturation
 * measures queueing behind its own connections instead: its mean latency is connections / throughput.
 *
 * Run as a child pinned apart from the server (bench/_wrk.ts's generator CPU):
 *   node --import tsx bench/_learning-rate.ts <file with the options as JSON>
 * Options: { url, rate, seconds, connections, headers, rotate?: { name, values } }.
 * Prints one line: `RATEJSON {...}` (see `RateFigures`).
 */
export interface RateFigures {
  generator: 'open-loop';
  rate: number;
  seconds: number;
  connections: number;
  requests: number;
  /** answers per second over the run (the rate, when the server kept up) */
  requestsPerSecond: number;
  /** from the moment a request was due to the end of its answer */
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** the same from the moment it was written: what a closed-loop tool would report */
  serviceMs: { p50: number; p95: number; p99: number; max: number };
  /** answers that were not 2xx/3xx, socket errors, and requests unanswered 10 s after the end */
  errors: number;
  /** the generator's own event-loop delay p99: above a few ms it, not the server, was late */
  generatorLoopP99Ms: number;
}

interface Options {
  url: string;
  rate: number;
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
  rotate?: { name: string; values: string[] };
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)]! * 10) / 10;
}

function summary(values: Float64Array) {
  const sorted = values.slice().sort();
  return { p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), max: pct(sorted, 100) };
}

export async function runAtRate(opts: Options): Promise<RateFigures> {
  const target = new URL(opts.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections, scheduling: 'fifo' });
  const total = Math.round(opts.rate * opts.seconds);
  const latency = new Float64Array(total);
  const service = new Float64Array(total);
  let done = 0;
  let errors = 0;
  let turn = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();

  const send = (i: number, due: number) => {
    const headers = { ...opts.headers };
    if (opts.rotate) headers[opts.rotate.name] = opts.rotate.values[turn++ % opts.rotate.values.length]!;
    let written = 0;
    const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        const end = performance.now();
        latency[i] = end - due;
        service[i] = end - written;
        if ((res.statusCode ?? 0) >= 400) errors++;
        done++;
      });
    });
    // the agent writes the request once a connection is free: that is when the server first sees it
    req.on('socket', () => (written = performance.now()));
    req.on('error', () => {
      errors++;
      latency[i] = service[i] = Number.NaN;
      done++;
    });
    req.end();
  };

  const start = performance.now() + 50;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / opts.rate <= now) {
        send(next, start + (next * 1000) / opts.rate);
        next++;
      }
      if (next < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 1);
  });
  const drainUntil = performance.now() + 10_000;
  while (done < total && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (performance.now() - start) / 1000;
  loop.disable();
  agent.destroy();
  const answered = (values: Float64Array) => values.filter((v) => v > 0 && Number.isFinite(v));
  return {
    generator: 'open-loop',
    rate: opts.rate,
    seconds: opts.seconds,
    connections: opts.connections,
    requests: done,
    requestsPerSecond: Math.round(done / elapsed),
    latencyMs: summary(answered(latency)),
    serviceMs: summary(answered(service)),
    errors: errors + (total - done),
    generatorLoopP99Ms: Math.round(loop.percentile(99) / 1e4) / 100,
  };
}

/**
 * Runs `runAtRate` in a child process pinned to the load generator's CPU (as wrk is), so the
 * generator never takes the server's core, and returns its figures.
 */
export function loadAtRate(opts: Options): Promise<RateFigures> {
  // the options (a thousand tokens) go through a file: they outgrow an argument
  const file = path.join(os.tmpdir(), `gema-rate-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(opts));
  const node = [process.execPath, '--import', 'tsx', path.join(__dirname, '_learning-rate.ts'), file];
  // the servers are pinned to the other CPUs whenever wrk's are (bench/_wrk.ts)
  const [cmd, ...args] = serverCpus ? ['taskset', '-c', String(os.availableParallelism() - 1), ...node] : node;
  return new Promise((resolve, reject) =>
    execFile(cmd!, args, { cwd: path.resolve(__dirname, '..'), maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      fs.rmSync(file, { force: true });
      const line = stdout.split('\n').find((l) => l.startsWith('RATEJSON '));
      if (err || !line) return reject(new Error(`the open-loop generator failed: ${stderr || err?.message || stdout}`));
      resolve(JSON.parse(line.slice(9)) as RateFigures);
    }),
  );
}

if (require.main === module) {
  const opts = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as Options;
  runAtRate(opts).then(
    (figures) => {
      process.stdout.write(`RATEJSON ${JSON.stringify(figures)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
