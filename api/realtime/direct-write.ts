/**
 * The parts of a Socket.IO socket, its Engine.IO socket, the websocket transport and the `ws` socket
 * under it that `writeFrameDirectly` reads. Socket.IO documents `socket.conn`; `writeBuffer` is
 * engine.io's (private in its types), `_sender.sendFrame` is ws's (engine.io's own websocket transport
 * calls it for a precomputed frame); `bufferedAmount` and `readyState` are ws's public API. Each is
 * checked for its shape before use: a version that changes one falls back to the normal write, and
 * test/realtime/direct-write.test.ts fails (it asserts the direct path is taken).
 */
interface DirectSocket {
  conn?: {
    readyState?: unknown;
    writeBuffer?: unknown;
    sentCallbackFn?: unknown;
    transport?: {
      name?: unknown;
      writable?: unknown;
      perMessageDeflate?: unknown;
      _onSentLast?: unknown;
      socket?: {
        readyState?: unknown;
        bufferedAmount?: unknown;
        _sender?: { sendFrame?: unknown };
      };
    };
  };
  listenersAnyOutgoing?: () => unknown[];
}

/** ws's `WebSocket.OPEN` */
const WS_OPEN = 1;

/** Direct writes and fallbacks since start, read by the tests and the bench. */
export const directWrites = { direct: 0, fallback: 0 };

/**
 * Writes a broadcast's precomputed websocket frame (a list of one buffer, `oneBufferFrame`) straight to a
 * socket's `ws` sender, skipping what engine.io does per socket per packet before it gets there: a packet
 * object, a new `writeBuffer` array, three events (`packetCreate`, `flush` on the socket and on the
 * server) and the `sentCallbackFn` entry. At 10,000 sockets that garbage was ~260 bytes a socket a
 * broadcast outliving two scavenges (bench/README.md, sockets4). The bytes that leave are the ones
 * engine.io would write (its websocket transport hands the same frame to the same `sendFrame`), and
 * the transport is marked as engine.io marks it while a write is in flight, with engine.io's own
 * completion callback, so what follows is queued and flushed as before.
 *
 * Only when nothing can come out of order or be skipped: the Engine.IO socket is open on the websocket
 * transport, which is writable (no write of engine.io's in flight, no send callbacks pending) with
 * nothing queued in engine.io, the ws socket is open with nothing buffered (a slow reader takes the
 * normal path, so its frames queue in engine.io as before), and the socket has no `onAnyOutgoing`
 * listener. A write error comes back through the same callback as engine.io's own. engine.io's
 * `packetCreate` and `flush` events are not emitted for these writes: nothing in the API listens to them
 * (a listener added for them would miss most broadcasts).
 * False when it did not write: the caller writes the normal way.
 */
export function writeFrameDirectly(socket: unknown, frame: readonly [Buffer]): boolean {
  const s = socket as DirectSocket;
  const conn = s.conn;
  const transport = conn?.transport;
  const ws = transport?.socket;
  const sendFrame = ws?._sender?.sendFrame;
  if (
    conn?.readyState !== 'open' ||
    !Array.isArray(conn.writeBuffer) ||
    conn.writeBuffer.length !== 0 ||
    !Array.isArray(conn.sentCallbackFn) ||
    conn.sentCallbackFn.length !== 0 ||
    transport?.name !== 'websocket' ||
    transport.writable !== true ||
    // engine.io writes a precomputed frame only without per-message deflate (its `_canSendPreEncodedFrame`)
    transport.perMessageDeflate ||
    ws?.readyState !== WS_OPEN ||
    ws.bufferedAmount !== 0 ||
    typeof sendFrame !== 'function' ||
    typeof transport._onSentLast !== 'function' ||
    typeof s.listenersAnyOutgoing !== 'function' ||
    s.listenersAnyOutgoing().length !== 0
  ) {
    directWrites.fallback++;
    return false;
  }
  // a write in flight, as engine.io's own send marks it: what comes for this socket before the write is
  // done queues in engine.io and goes out together once it is (its `_onSentLast`: writable, `drain`,
  // `ready` → flush), so a burst of events still leaves in two system calls (coalesceWebsocketWrites)
  transport.writable = false;
  // the broadcast's own one-buffer list, shared by every socket: nothing is made per socket here
  (sendFrame as (list: readonly Buffer[], cb: unknown) => void).call(ws._sender, frame, transport._onSentLast);
  directWrites.direct++;
  return true;
}
