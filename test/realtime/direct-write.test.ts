import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { Adapter } from 'socket.io-adapter';
import { io as connect, type Socket } from 'socket.io-client';
import { received } from './received';
import { yieldingBroadcasts } from '../../api/realtime/yielding-adapter';
import { directWrites } from '../../api/realtime/direct-write';
import { TRANSPORT_OPTIONS } from '../../api/realtime/transport';

const CHUNK = 2;

interface Room {
  io: Server;
  /** the server side of each client, in the clients' order */
  sockets: ServerSocket[];
  clients: Socket[];
  close(): Promise<void>;
}

/** A server with the API's transport settings and yielding adapter, and `count` clients in room `room`. */
async function room(count: number, transports: Array<'websocket' | 'polling'>): Promise<Room> {
  const server = http.createServer();
  const io = new Server(server, { ...TRANSPORT_OPTIONS, adapter: yieldingBroadcasts((nsp) => new Adapter(nsp), CHUNK) });
  const byId = new Map<string, ServerSocket>();
  io.on('connection', (socket) => {
    void socket.join('room');
    byId.set(socket.id, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect(url, { path: TRANSPORT_OPTIONS.path, transports, upgrade: false, reconnection: false, forceNew: true });
          s.once('connect', () => resolve(s));
        }),
    ),
  );
  // the server's writes of the handshake are done once the clients are connected; let their callbacks run
  await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    io,
    clients,
    sockets: clients.map((c) => byId.get(c.id!)!),
    async close() {
      clients.forEach((c) => c.close());
      await io.close();
    },
  };
}

/** The direct and fallback writes `run` caused. */
async function counting(run: () => Promise<void>) {
  const before = { ...directWrites };
  await run();
  return { direct: directWrites.direct - before.direct, fallback: directWrites.fallback - before.fallback };
}

describe('realtime: broadcast frames written straight to idle websockets', () => {
  describe('websocket clients', () => {
    let r: Room;
    before(async () => {
      r = await room(5, ['websocket']);
    });
    after(async () => r.close());

    // pins what direct-write.ts reads of engine.io and ws: if a version changes it, every write falls back and this fails
    it('writes a broadcast to every idle websocket without engine.io, and every client gets it once', async () => {
      const counts = await counting(async () => {
        const all = Promise.all(r.clients.map((c) => received(c, 'tick', 1)));
        r.io.to('room').emit('tick', { n: 1 });
        expect(await all).to.deep.equal(Array.from({ length: 5 }, () => [{ n: 1 }]));
      });
      expect(counts).to.deep.equal({ direct: 5, fallback: 0 });
    });

    it("keeps a socket's order when engine.io is still writing to it: that socket takes engine.io's queue", async () => {
      const first = r.clients[0]!;
      const order: string[] = [];
      const done = new Promise<void>((resolve) => {
        first.on('own', () => order.push('own'));
        first.on('all', () => {
          order.push('all');
          resolve();
        });
      });
      const counts = await counting(async () => {
        const others = Promise.all(r.clients.slice(1).map((c) => received(c, 'all', 1)));
        // engine.io's write of this one is in flight (its transport not writable) when the broadcast comes
        r.sockets[0]!.emit('own');
        r.io.to('room').emit('all');
        await Promise.all([done, others]);
      });
      expect(order).to.deep.equal(['own', 'all']);
      expect(counts).to.deep.equal({ direct: 4, fallback: 1 });
    });

    it('queues a broadcast that comes while the direct write of the one before is in flight in engine.io, in order', async () => {
      // two sockets, no more than a chunk: both broadcasts are written in the same tick
      const two = r.sockets.slice(0, 2).map((s) => s.id);
      const counts = await counting(async () => {
        const all = Promise.all(r.clients.slice(0, 2).map((c) => received(c, 'pair', 2)));
        r.io.to(two).emit('pair', 1);
        r.io.to(two).emit('pair', 2);
        for (const got of await all) expect(got).to.deep.equal([1, 2]);
      });
      expect(counts).to.deep.equal({ direct: 2, fallback: 2 });
    });

    it("gives a socket's onAnyOutgoing listener the broadcast (engine.io's path)", async () => {
      const seen: string[] = [];
      const listener = (event: string) => void seen.push(event);
      r.sockets[1]!.onAnyOutgoing(listener);
      try {
        const counts = await counting(async () => {
          const all = Promise.all(r.clients.map((c) => received(c, 'watched', 1)));
          r.io.to('room').emit('watched');
          await all;
        });
        expect(seen).to.deep.equal(['watched']);
        expect(counts).to.deep.equal({ direct: 4, fallback: 1 });
      } finally {
        r.sockets[1]!.offAnyOutgoing(listener);
      }
    });

    it('writes a broadcast with binary data, which has no precomputed frame, the normal way', async () => {
      const counts = await counting(async () => {
        const all = Promise.all(r.clients.map((c) => received(c, 'bytes', 1)));
        r.io.to('room').emit('bytes', Buffer.from([1, 2, 3]));
        for (const [got] of await all) expect(Buffer.from(got as ArrayBuffer)).to.deep.equal(Buffer.from([1, 2, 3]));
      });
      expect(counts).to.deep.equal({ direct: 0, fallback: 0 });
    });
  });

  describe('long-polling clients', () => {
    let r: Room;
    before(async () => {
      r = await room(3, ['polling']);
    });
    after(async () => r.close());

    it('are written the normal way', async () => {
      const counts = await counting(async () => {
        const all = Promise.all(r.clients.map((c) => received(c, 'tick', 1)));
        r.io.to('room').emit('tick', 1);
        expect(await all).to.deep.equal([[1], [1], [1]]);
      });
      expect(counts).to.deep.equal({ direct: 0, fallback: 3 });
    });
  });
});
