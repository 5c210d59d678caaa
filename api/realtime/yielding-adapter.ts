import type { Adapter, BroadcastOptions } from 'socket.io-adapter';
import { writeFrameDirectly } from './direct-write';
import { oneBufferFrame } from './transport';

/**
 * Sockets a room broadcast writes to before it lets the event loop run other work. A write costs
 * engine.io ~10–50 µs of CPU (the frame is encoded once per event, but each socket gets its own
 * packet, flush and `writev`), so 10,000 sockets in one synchronous loop held the process's HTTP
 * requests for 0.1–0.5 s per event; 500 at a time keeps each slice to a few milliseconds.
 */
export const BROADCAST_CHUNK = 500;

/** The two members of socket.io-adapter's in-memory Adapter a broadcast goes through (private in its types). */
interface BroadcastPath {
  _encode(packet: unknown, packetOpts: Record<string, unknown>): unknown[];
  apply(opts: BroadcastOptions, callback: (socket: unknown) => void): void;
}

/** One broadcast being written: its sockets, found when it came, and how far it got. */
interface Pending {
  sockets: unknown[];
  write: (socket: unknown) => void;
  next: number;
}

/**
 * Wraps an adapter factory (the Redis adapter's) so that a broadcast to more than `chunk` sockets
 * writes `chunk` of them, yields (`setImmediate`, so waiting I/O runs), and goes on. Broadcasts are
 * written in the order they came (a queue), so two events to the same socket never swap, and a
 * broadcast arriving while one is being written waits for it. What is not a broadcast (joining
 * rooms, fetching or disconnecting sockets) stays synchronous. Both paths of a broadcast — an emit of
 * this process and one heard from Redis (`onmessage` → Adapter#broadcast) — call `_encode` and then
 * `apply`, which is where this hooks in. Not for broadcasts with acknowledgements (their count is
 * taken right after `apply`); nothing here emits one. test/realtime/broadcast-chunks.test.ts.
 */
export function yieldingBroadcasts<N, A extends Adapter>(make: (nsp: N) => A, chunk = BROADCAST_CHUNK): (nsp: N) => A {
  // socket.io calls the factory with `new`: a function, not an arrow (its returned object is the result)
  return function yielding(nsp: N): A {
    const adapter = make(nsp);
    const path = adapter as unknown as BroadcastPath;
    const encode = path._encode.bind(adapter);
    const apply = path.apply.bind(adapter);
    const queue: Pending[] = [];
    let broadcasting = false;
    /** the one-buffer frame of the broadcast being encoded, when its sockets may be written it directly */
    let direct: readonly [Buffer] | undefined;

    /** Writes up to `chunk` sockets of the queued broadcasts, oldest first, and comes back for the rest. */
    const drain = () => {
      let budget = chunk;
      try {
        while (budget > 0 && queue.length > 0) {
          const job = queue[0]!;
          const end = Math.min(job.sockets.length, job.next + budget);
          budget -= end - job.next;
          // the index moves before the write: a socket that throws is not written twice, nor blocks the rest
          while (job.next < end) job.write(job.sockets[job.next++]);
          if (job.next >= job.sockets.length) queue.shift();
        }
      } finally {
        if (queue.length > 0) setImmediate(drain);
      }
    };

    path._encode = (packet, packetOpts) => {
      broadcasting = true;
      const encoded = encode(packet, packetOpts);
      // one write per socket instead of a corked pair (transport.ts)
      oneBufferFrame(packetOpts);
      direct = directFrame(packet, encoded, packetOpts);
      return encoded;
    };
    path.apply = (opts, callback) => {
      if (!broadcasting) return apply(opts, callback);
      broadcasting = false;
      const frame = direct;
      direct = undefined;
      const sockets: unknown[] = [];
      apply(opts, (socket) => void sockets.push(socket));
      // straight to the socket's websocket when nothing is queued there (direct-write.ts), else Socket.IO's way
      const write = frame ? (socket: unknown) => void (writeFrameDirectly(socket, frame) || callback(socket)) : callback;
      // nothing waiting and small: written at once, as Socket.IO would
      if (queue.length === 0 && sockets.length <= chunk) return sockets.forEach(write);
      queue.push({ sockets, write, next: 0 });
      // a drain is already scheduled while anything waits
      if (queue.length === 1) drain();
    };
    return adapter;
  };
}

/**
 * The broadcast's one-buffer websocket frame when it may be written to a socket directly: one packet
 * (no binary attachments), no acknowledgement (`broadcastWithAck` records each socket's ack in the
 * adapter's callback, which a direct write skips), not volatile (a volatile packet is dropped where the
 * transport is not writable, which only the normal path decides).
 */
function directFrame(packet: unknown, encoded: unknown[], packetOpts: Record<string, unknown>): readonly [Buffer] | undefined {
  const frame = packetOpts.wsPreEncodedFrame;
  if (encoded.length !== 1 || packetOpts.volatile || (packet as { id?: unknown }).id !== undefined) return undefined;
  return Array.isArray(frame) && frame.length === 1 && Buffer.isBuffer(frame[0]) ? (frame as [Buffer]) : undefined;
}
