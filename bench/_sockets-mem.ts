import readline from 'node:readline';
import v8 from 'node:v8';

/**
 * The memory probe of bench/sockets.ts's servers (started with `--expose-gc`): each `MEM` line on
 * stdin runs two full collections and prints `MEM <json>` with process.memoryUsage() and the socket
 * count, so the bench can count live bytes per socket apart from what V8 has not collected yet.
 */
export function answerMemoryProbe(sockets: () => number): void {
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    // `SNAP <file>`: a heap snapshot, to see what the bytes are (bench/README.md, sockets)
    if (line.startsWith('SNAP ')) {
      process.stdout.write(`SNAP ${v8.writeHeapSnapshot(line.slice(5).trim())}\n`);
      return;
    }
    if (line.trim() !== 'MEM') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    process.stdout.write(
      `MEM ${JSON.stringify({ collected: Boolean(gc), sockets: sockets(), rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) })}\n`,
    );
  });
}
