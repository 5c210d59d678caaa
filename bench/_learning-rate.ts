import '../common/require-node';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
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

/** One keep-alive connection and the request it carries (HTTP/1.1, no pipelining). */
interface Conn {
  socket: net.Socket;
  /** the request on it: its index, when it was due and when it was written */
  i: number;
  due: number;
  written: number;
  /** bytes of the answer so far, until its head is read; then what the body still needs */
  head: Buffer | null;
  status: number;
  remaining: number;
  chunked: boolean;
  tail: string;
}

/**
 * The requests go out as prebuilt bytes on raw sockets, and answers are framed by Content-Length (or a
 * chunked body's last chunk): node:http's client costs ~100 µs of the generator's CPU a request, which
 * at 3,000 req/s would make the generator itself late.
 */
export async function runAtRate(opts: Options): Promise<RateFigures> {
  const target = new URL(opts.url);
  const fixed = Object.entries(opts.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const head = `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${fixed}`;
  const requests = (opts.rotate ? opts.rotate.values.map((v) => `${opts.rotate!.name}: ${v}\r\n`) : ['']).map((h) =>
    Buffer.from(`${head}${h}\r\n`, 'latin1'),
  );
  const total = Math.round(opts.rate * opts.seconds);
  const latency = new Float64Array(total);
  const service = new Float64Array(total);
  let done = 0;
  let errors = 0;
  let turn = 0;
  let opened = 0;
  const idle: Conn[] = [];
  const conns: Conn[] = [];
  const waiting: { i: number; due: number }[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();

  const finish = (c: Conn, failed: boolean) => {
    const end = performance.now();
    if (failed) {
      errors++;
      latency[c.i] = service[c.i] = Number.NaN;
    } else {
      latency[c.i] = end - c.due;
      service[c.i] = end - c.written;
      if (c.status >= 400) errors++;
    }
    done++;
    c.i = -1;
    const next = waiting.shift();
    if (next && !c.socket.destroyed) write(c, next.i, next.due);
    else if (next) dispatch(next.i, next.due);
    else if (!c.socket.destroyed) idle.push(c);
  };

  const onData = (c: Conn, chunk: Buffer) => {
    if (c.i < 0) return;
    if (c.remaining < 0) {
      const all = c.head ? Buffer.concat([c.head, chunk]) : chunk;
      const at = all.indexOf('\r\n\r\n');
      if (at < 0) {
        c.head = all;
        return;
      }
      const text = all.toString('latin1', 0, at + 2);
      c.head = null;
      c.status = Number(text.slice(9, 12));
      c.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(text);
      // a 304 or 204 has no body whatever its headers say
      const bodiless = c.status === 304 || c.status === 204;
      c.remaining = bodiless ? 0 : c.chunked ? Infinity : Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
      if (bodiless) c.chunked = false;
      c.tail = '';
      chunk = all.subarray(at + 4);
    }
    if (c.chunked) {
      // the last chunk ends the body (no trailers here); JSON carries no raw CR LF to be mistaken for it
      c.tail = (c.tail + chunk.toString('latin1', Math.max(0, chunk.length - 7))).slice(-7);
      if (c.tail.endsWith('0\r\n\r\n')) finish(c, false);
      return;
    }
    c.remaining -= chunk.length;
    if (c.remaining <= 0) finish(c, false);
  };

  const write = (c: Conn, i: number, due: number) => {
    c.i = i;
    c.due = due;
    c.remaining = -1;
    c.head = null;
    c.written = performance.now();
    c.socket.write(requests[turn++ % requests.length]!);
  };

  const open = (): Conn => {
    const socket = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    const c: Conn = { socket, i: -1, due: 0, written: 0, head: null, status: 0, remaining: -1, chunked: false, tail: '' };
    opened++;
    conns.push(c);
    socket.on('data', (chunk: Buffer) => onData(c, chunk));
    const lost = () => {
      opened--;
      const at = idle.indexOf(c);
      if (at >= 0) idle.splice(at, 1);
      if (c.i >= 0) finish(c, true);
    };
    socket.once('close', lost);
    socket.on('error', () => undefined);
    return c;
  };

  /** on an idle connection, a new one while fewer than `connections` are open, else in line */
  const dispatch = (i: number, due: number) => {
    const c = idle.pop() ?? (opened < opts.connections ? open() : undefined);
    if (c) write(c, i, due);
    else waiting.push({ i, due });
  };

  const start = performance.now() + 50;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / opts.rate <= now) {
        dispatch(next, start + (next * 1000) / opts.rate);
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
  for (const c of conns) c.socket.destroy();
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
