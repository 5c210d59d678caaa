import '../common/require-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

/**
 * The ceiling of bench/sockets.ts: Socket.IO on a bare node:http server, no authentication, no
 * Redis adapter; every socket joins one room, and each `POST /broadcast` (its body the
 * submissionId) is emitted to that room once, as the API's adapter emits a published event.
 * Prints `READY <port>`.
 */
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/broadcast') return res.writeHead(404).end();
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    io.to('all').emit('grading:completed', { submissionId: body, verdict: 'accepted', score: 100, maxScore: 100 });
    res.writeHead(204).end();
  });
});
const io = new Server(server, { path: '/socket.io', perMessageDeflate: false, httpCompression: false });
io.on('connection', (socket) => void socket.join('all'));
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
