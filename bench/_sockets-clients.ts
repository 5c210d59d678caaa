import '../common/require-node';
import fs from 'node:fs';
import readline from 'node:readline';
import { io as connect, type Socket } from 'socket.io-client';

/**
 * The load generator of bench/sockets.ts, in its own process: opens `count` Socket.IO clients
 * (round-robin over the tokens in the file, spread over the servers' URLs), `websocket` straight
 * away or `polling` first and then upgrading as a browser does, and prints `CONNECTED <n> <seconds>`.
 * Every `grading:completed` whose submissionId is `b<n>:<epoch ms>` is stamped on arrival. On
 * `REPORT` it prints `REPORT <json>`: per broadcast the deliveries, how many sockets got it twice,
 * and the delivery delays' first/p50/p95/max; then it closes every socket and exits. `COUNT` prints
 * `COUNT <n>`, the deliveries so far.
 *
 *   _sockets-clients.ts <url,url…> <count> <tokens.json> <websocket|polling>
 */
const [urlsArg, countArg, tokensFile, transport] = process.argv.slice(2);
const urls = urlsArg!.split(',');
const count = Number(countArg);
const tokens = JSON.parse(fs.readFileSync(tokensFile!, 'utf8')) as string[];

/** broadcast → delays (ms); broadcast → sockets that saw it (to catch a double delivery) */
const delays = new Map<string, number[]>();
const seenBy = new Map<string, Set<number>>();
const duplicates = new Map<string, number>();
const sockets: Socket[] = [];

function open(index: number): Promise<void> {
  const socket = connect(urls[index % urls.length]!, {
    auth: { token: tokens[index % tokens.length] },
    transports: transport === 'polling' ? ['polling', 'websocket'] : ['websocket'],
    upgrade: transport === 'polling',
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  socket.on('grading:completed', (p: { submissionId: string }) => {
    const m = /^(b\d+):(\d+)$/.exec(p.submissionId);
    if (!m) return;
    const [, broadcast, sentAt] = m as unknown as [string, string, string];
    const seen = seenBy.get(broadcast) ?? new Set<number>();
    if (seen.has(index)) {
      duplicates.set(broadcast, (duplicates.get(broadcast) ?? 0) + 1);
      return;
    }
    seen.add(index);
    seenBy.set(broadcast, seen);
    const list = delays.get(broadcast) ?? [];
    list.push(Date.now() - Number(sentAt));
    delays.set(broadcast, list);
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0;
}

async function main() {
  const started = Date.now();
  // arriving as a school does in the morning, a hundred at a time, not one 10,000-socket SYN flood
  const batch = 100;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => open(i + j)));
  }
  const upgradedCount = () => sockets.filter((s) => s.io.engine?.transport?.name === 'websocket').length;
  if (transport === 'polling') {
    // a browser's client probes websocket after the polling handshake and switches when it answers
    const deadline = Date.now() + 30_000;
    while (upgradedCount() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }
  const upgraded = upgradedCount();
  process.stdout.write(`CONNECTED ${sockets.length} ${((Date.now() - started) / 1000).toFixed(1)} ${upgraded}\n`);
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line.trim() === 'COUNT') {
      let n = 0;
      for (const d of delays.values()) n += d.length;
      process.stdout.write(`COUNT ${n}\n`);
      continue;
    }
    if (line.trim() !== 'REPORT') continue;
    const broadcasts = [...delays.keys()].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    const all = broadcasts.flatMap((b) => delays.get(b)!).sort((a, b) => a - b);
    const report = {
      broadcasts: broadcasts.map((b) => {
        const d = delays.get(b)!.sort((x, y) => x - y);
        return {
          id: b,
          deliveries: d.length,
          duplicates: duplicates.get(b) ?? 0,
          first: d[0] ?? 0,
          p50: pct(d, 50),
          p95: pct(d, 95),
          max: d[d.length - 1] ?? 0,
        };
      }),
      all: { deliveries: all.length, p50: pct(all, 50), p95: pct(all, 95), p99: pct(all, 99), max: all[all.length - 1] ?? 0 },
      duplicates: [...duplicates.values()].reduce((a, b) => a + b, 0),
      upgraded: upgradedCount(),
    };
    process.stdout.write(`REPORT ${JSON.stringify(report)}\n`);
    break;
  }
  sockets.forEach((s) => s.close());
  process.exit(0);
}

main().catch((err: Error) => {
  process.stderr.write(`socket clients failed: ${err.message}\n`);
  process.exit(1);
});
