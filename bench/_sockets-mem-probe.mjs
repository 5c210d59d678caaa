// Preloaded (`node --expose-gc --import ./bench/_sockets-mem-probe.mjs dist/api/server.js`) into the
// production build by bench/sockets.ts only: the app itself carries no probe. Plain JavaScript so it
// loads into the built server without tsx. It answers the same stdin lines as bench/_sockets-mem.ts
// (the probe of the servers that run under tsx): `MEM` runs two full collections and prints
// `MEM <json>` with process.memoryUsage() and the open TCP sockets (clients plus the few Redis and
// PostgreSQL connections, the same before and after the clients connect); `SNAP <file>` writes a
// heap snapshot.
/* global process */
import readline from 'node:readline';
import v8 from 'node:v8';

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.startsWith('SNAP ')) {
    process.stdout.write(`SNAP ${v8.writeHeapSnapshot(line.slice(5).trim())}\n`);
    return;
  }
  if (line.trim() !== 'MEM') return;
  const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const mb = (n) => Math.round((n / 2 ** 20) * 10) / 10;
  process.stdout.write(
    `MEM ${JSON.stringify({ collected: Boolean(gc), sockets, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) })}\n`,
  );
});
