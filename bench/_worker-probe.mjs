// Preloaded into a worker under test by the benches only (`BENCH_WORKER_NODE_FLAGS="--import
// <abs>/bench/_worker-probe.mjs"`): the worker itself carries no probe. Plain JavaScript, like
// _alloc-probe.mjs.
//
// SIGUSR2 starts a window; the next SIGUSR2 ends it and writes `<BENCH_WORKER_PROBE_DIR>/<pid>.json`:
// what the worker's main process did in between, to divide by the submissions it graded — Redis
// commands by name (BullMQ's Lua scripts by their name, found by hashing bullmq's script sources as
// ioredis does), socket writes and `data` events by remote port (Redis, PostgreSQL: round trips),
// bytes the JS heap allocated and GC time (v8.GCProfiler, as _alloc-probe.mjs), CPU (user/system).
/* global process, Buffer */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import v8 from 'node:v8';
import { createRequire } from 'node:module';

const dir = process.env.BENCH_WORKER_PROBE_DIR;
if (dir) {
  const require = createRequire(path.join(process.cwd(), 'package.json'));
  /** @type {Map<string, string>} sha1 of a BullMQ script → its name */
  const scripts = new Map();
  try {
    const scriptsDir = path.join(path.dirname(require.resolve('bullmq')), 'scripts');
    for (const f of fs.readdirSync(scriptsDir)) {
      if (!/^[a-zA-Z]+-\d+\.js$/.test(f)) continue;
      const m = require(path.join(scriptsDir, f));
      for (const s of Object.values(m))
        if (s && typeof s.content === 'string') scripts.set(crypto.createHash('sha1').update(s.content).digest('hex'), s.name);
    }
  } catch {
    // counted by sha then
  }
  let counting = false;
  /** @type {Record<string, number>} */
  let commands = {};
  /** @type {Record<string, { writes: number, bytesOut: number, dataEvents: number, bytesIn: number }>} */
  let sockets = {};
  const portOf = (s) => String(s.remotePort ?? 'unknown');
  const bucket = (s) => (sockets[portOf(s)] ??= { writes: 0, bytesOut: 0, dataEvents: 0, bytesIn: 0 });

  const Redis = require('ioredis').default ?? require('ioredis');
  const send = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (command, stream) {
    if (counting && command) {
      let name = command.name;
      if (name === 'evalsha') name = `evalsha:${scripts.get(String(command.args?.[0])) ?? String(command.args?.[0]).slice(0, 8)}`;
      commands[name] = (commands[name] ?? 0) + 1;
    }
    return send.call(this, command, stream);
  };
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (chunk, ...rest) {
    if (counting && this.remotePort) {
      const b = bucket(this);
      b.writes++;
      b.bytesOut += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk?.length ?? 0);
    }
    return write.call(this, chunk, ...rest);
  };
  const emit = net.Socket.prototype.emit;
  net.Socket.prototype.emit = function (event, ...args) {
    if (counting && event === 'data' && this.remotePort) {
      const b = bucket(this);
      b.dataEvents++;
      b.bytesIn += args[0]?.length ?? 0;
    }
    return emit.call(this, event, ...args);
  };

  /** @type {null | { profiler: v8.GCProfiler, used: number, cpu: NodeJS.CpuUsage, hr: bigint }} */
  let window = null;
  process.on('SIGUSR2', () => {
    if (!window) {
      commands = {};
      sockets = {};
      counting = true;
      const profiler = new v8.GCProfiler();
      profiler.start();
      window = { profiler, used: v8.getHeapStatistics().used_heap_size, cpu: process.cpuUsage(), hr: process.hrtime.bigint() };
      return;
    }
    counting = false;
    const { profiler, used: startUsed, cpu, hr } = window;
    window = null;
    const endUsed = v8.getHeapStatistics().used_heap_size;
    const cpuUsed = process.cpuUsage(cpu);
    const stats = profiler.stop()?.statistics ?? [];
    let allocated = 0;
    let previousAfter = startUsed;
    let scavenges = 0;
    let fullGcs = 0;
    let gcMs = 0;
    for (const gc of stats) {
      allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previousAfter);
      previousAfter = gc.afterGC.heapStatistics.usedHeapSize;
      gcMs += gc.cost / 1000;
      if (gc.gcType === 'Scavenge' || gc.gcType === 'MinorMarkSweep') scavenges++;
      else fullGcs++;
    }
    allocated += Math.max(0, endUsed - previousAfter);
    fs.writeFileSync(
      path.join(dir, `${process.pid}.json`),
      JSON.stringify({
        seconds: Number(process.hrtime.bigint() - hr) / 1e9,
        cpuUserMs: cpuUsed.user / 1000,
        cpuSystemMs: cpuUsed.system / 1000,
        allocatedBytes: allocated,
        gc: { scavenges, fullGcs, ms: gcMs },
        commands,
        sockets,
      }),
    );
  });
}
