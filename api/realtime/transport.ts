import { ServerResponse } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Server } from 'socket.io';

/**
 * The largest message a client may send (a websocket frame, or a polling POST of several packets);
 * past it the transport is closed. The largest a client needs is `auth` with an access token (1-3 KB);
 * engine.io's default, 1 MB, let each of 10,000 sockets make the process buffer a megabyte.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/**
 * The transport settings of the API's Socket.IO server (bench/_sockets-bare-server.ts, its ceiling,
 * uses the same). engine.io's defaults, pinned: per-message deflate would cost a zlib context per
 * socket and a compression per recipient of a broadcast, for events of a few hundred bytes of JSON.
 * `ws` stays the websocket server: eiows, the C++ engine Socket.IO documents, builds only against a
 * full Node.js source tree of the running version, downloaded at install (bench/README.md, sockets).
 */
export const TRANSPORT_OPTIONS = {
  path: '/socket.io',
  perMessageDeflate: false,
  httpCompression: false,
  maxHttpBufferSize: MAX_MESSAGE_BYTES,
} as const;

/**
 * Lets each connection's HTTP request go once the handshake is done: engine.io keeps it (the
 * IncomingMessage in dictionary mode, its headers, raw headers and URL, ~3 KB a socket) although
 * nothing reads it afterwards, since authentication comes from the CONNECT packet's `auth`.
 * Socket.IO's "Memory usage" page suggests `rawSocket.request = null`; with engine.io 6.6 that alone
 * frees nothing on a websocket, because the upgrade's stand-in response (WebSocketResponse) also
 * holds the request, from a `close` listener on the TCP socket, for the connection's lifetime.
 * socket.io builds `socket.handshake` after the request is gone, so its `headers` are empty too
 * (cookies included: no refresh token is kept per socket). test/realtime/handshake-memory.test.ts.
 */
export function dropHandshakeRequests(io: Server): void {
  // registered after socket.io's own middleware (CORS, which sets headers through the response), so
  // it runs last: after it, nothing reads the request through the upgrade's response
  io.engine.use((_req: unknown, res: unknown, next: () => void) => {
    if (!(res instanceof ServerResponse) && res && typeof res === 'object' && 'req' in res) (res as { req: unknown }).req = null;
    next();
  });
  io.engine.on('connection', (rawSocket: { request: unknown }) => {
    rawSocket.request = null;
  });
}

/** The parts of engine.io's websocket transport that `coalesceWebsocketWrites` touches (untyped there). */
interface EngineTransport {
  name: string;
  send(packets: unknown[]): void;
  /** the `ws` WebSocket, and under it the TCP socket */
  socket?: { _socket?: NetSocket | null };
}

/** The transport classes whose `send` is already wrapped (one: engine.io's websocket transport). */
const coalescing = new WeakSet<object>();

/**
 * Wraps `send` on the websocket transport's class, once: a wrapper per transport was a bound function,
 * a closure and an `upgrade` listener for each of 10,000 sockets. True once the class is wrapped.
 */
function coalesce(transport: EngineTransport): boolean {
  if (transport.name !== 'websocket') return false;
  const proto = Object.getPrototypeOf(transport) as EngineTransport;
  if (coalescing.has(proto)) return true;
  coalescing.add(proto);
  const send = proto.send;
  proto.send = function (this: EngineTransport, packets: unknown[]) {
    const raw = this.socket?._socket;
    if (packets.length < 2 || !raw || raw.destroyed) return send.call(this, packets);
    raw.cork();
    try {
      send.call(this, packets);
    } finally {
      raw.uncork();
    }
  };
  return true;
}

/**
 * Writes the packets engine.io sends together to a websocket in one system call instead of one per
 * packet. engine.io writes a socket's first packet at once and queues what comes while that write is
 * in flight, then sends the queue as one `send(packets)`, which `ws` writes frame by frame: a
 * submission's grading events heard from Redis in one read (started, five tests, completed) cost a
 * student's and a teacher's socket seven writes each. Corking the TCP socket around that `send` makes
 * them one `writev` (a write to a local socket is the largest single cost of a broadcast on this
 * machine: bench/README.md "Exam hall"). Same frames, same order; nothing waits longer (the cork ends
 * in the same call). Long-polling is not touched: engine.io already sends its queue as one response.
 * The wrapper is on the transport's class (engine.io's, shared by every server of the process).
 */
export function coalesceWebsocketWrites(io: Server): void {
  // until the first websocket transport shows its class: then every socket has it, and nothing is added per socket
  const onConnection = (rawSocket: { transport: EngineTransport; on(event: 'upgrade', fn: (t: EngineTransport) => void): void }) => {
    if (coalesce(rawSocket.transport)) io.engine.off('connection', onConnection);
    else rawSocket.on('upgrade', (t) => coalesce(t) && io.engine.off('connection', onConnection));
  };
  io.engine.on('connection', onConnection);
}

/**
 * Socket.IO precomputes a broadcast's websocket frame once (`wsPreEncodedFrame`, from ws's
 * `Sender.frame`) as two buffers, the frame header and the payload, and ws writes each socket those two
 * with `cork`, two `write`s and `uncork`: Node's stream then buffers both writes, builds a `writev` of
 * them and calls back each. Made one buffer here, once per broadcast, ws writes it with one plain
 * `write` per socket (its `sendFrame` takes that path for a one-buffer frame). The same bytes leave.
 * Called on the packet options of each broadcast the adapter encodes (api/realtime/yielding-adapter.ts).
 */
export function oneBufferFrame(packetOpts: Record<string, unknown>): void {
  const frame = packetOpts.wsPreEncodedFrame;
  if (Array.isArray(frame) && frame.length === 2 && frame.every((part) => Buffer.isBuffer(part))) {
    packetOpts.wsPreEncodedFrame = [Buffer.concat(frame as Buffer[])];
  }
}
