import '../common/require-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { TRANSPORT_OPTIONS, dropHandshakeRequests, oneBufferFrame } from '../api/realtime/transport';
import { answerMemoryProbe } from './_sockets-mem';

/**
 * The ceiling of bench/sockets.ts: Socket.IO on a bare node:http server, no authentication, no
 * Redis adapter; every socket joins one room, and each `POST /broadcast` (its body the
 * submissionId) is emitted to that room once, as the API's adapter emits a published event. Any GET
 * answers a small JSON body: the bench's HTTP load, as on the app's session route.
 * Prints `READY <port>`.
 */
const SESSION = JSON.stringify({ user: { id: 1, role: 'student' } });
const server = http.createServer((req, res) => {
  // the HTTP load bench/sockets.ts runs beside the broadcasts (the app's GET /api/v2/auth/session)
  if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(SESSION);
  if (req.method !== 'POST' || req.url !== '/broadcast') return res.writeHead(404).end();
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    // answered first: the bench publishes the app's events every GAP_MS whatever the server does
    // (Redis), and an answer after the emit held the bare's next event until this one was written
    res.writeHead(204).end();
    io.to('all').emit('grading:completed', { submissionId: body, verdict: 'accepted', score: 100, maxScore: 100 });
  });
});
// the API's transport settings and its handshake-request drop (api/realtime/transport.ts), so the
// ceiling differs from the app by auth, Redis and our per-socket state only; BENCH_BARE_KEEP_REQUEST=1
// keeps engine.io's default (the request held per socket), for an A/B
const io = new Server(server, { ...TRANSPORT_OPTIONS });
if (process.env.BENCH_BARE_KEEP_REQUEST !== '1') dropHandshakeRequests(io);
// BENCH_BARE_ONE_BUFFER_FRAME=1: the API's one-buffer websocket frame (oneBufferFrame), for an A/B of it alone
if (process.env.BENCH_BARE_ONE_BUFFER_FRAME === '1') {
  const adapter = io.of('/').adapter as unknown as { _encode(packet: unknown, opts: Record<string, unknown>): unknown };
  const encode = adapter._encode.bind(adapter);
  adapter._encode = (packet, opts) => {
    const encoded = encode(packet, opts);
    oneBufferFrame(opts);
    return encoded;
  };
}
io.on('connection', (socket) => {
  // the app keeps no token once authenticated: neither does its ceiling
  socket.handshake.auth = {};
  void socket.join('all');
});
// an exit of its own on the bench's SIGTERM, so a --cpu-prof profile (BENCH_SERVER_NODE_FLAGS) is written
process.once('SIGTERM', () => process.exit(0));
answerMemoryProbe(() => io.engine.clientsCount);
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
