import fs from 'node:fs';
import http from 'node:http';
import readline from 'node:readline';
import { io as connect, type Socket } from 'socket.io-client';

/**
 * The load generator of bench/streams.ts, in its own process: opens `count` SSE streams or Socket.IO
 * clients (round-robin over the tokens in the file), prints `CONNECTED <n>` once all are open, then
 * records for every `chat:message` the delay from the `t=<epoch ms>` in its body to its arrival. On
 * `REPORT` from stdin it prints `LATENCIES <json>` (per message: the delays of every client) and exits.
 *
 *   _streams-clients.ts <sse|socket> <base url> <path> <count> <tokens.json>
 */
const [kind, base, streamPath, countArg, tokensFile] = process.argv.slice(2);
const count = Number(countArg);
const tokens = JSON.parse(fs.readFileSync(tokensFile!, 'utf8')) as string[];
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const delays = new Map<string, number[]>();
let connected = 0;

function record(body: string) {
  const m = /t=(\d+)/.exec(body);
  if (!m) return;
  const list = delays.get(m[1]!) ?? [];
  list.push(Date.now() - Number(m[1]));
  delays.set(m[1]!, list);
}

function openSse(token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${streamPath}`, { agent, headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data && frame.includes('event: chat:message')) record(data);
        }
      });
      resolve();
    });
    req.on('error', reject);
  });
}

const sockets: Socket[] = [];
function openSocket(token: string): Promise<void> {
  const socket = connect(base!, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  socket.on('chat:message', (m: { body: string }) => record(m.body));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

async function main() {
  const open = kind === 'sse' ? openSse : openSocket;
  // a few at a time, as browsers arriving, so the handshake queue does not time out
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => open(tokens[(i + j) % tokens.length]!).then(() => connected++)));
  }
  process.stdout.write(`CONNECTED ${connected}\n`);
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'REPORT') return;
    process.stdout.write(`LATENCIES ${JSON.stringify(Object.fromEntries(delays))}\n`);
    for (const s of sockets) s.close();
    process.exit(0);
  });
}

main().catch((err: Error) => {
  process.stderr.write(`clients failed: ${err.message}\n`);
  process.exit(1);
});
