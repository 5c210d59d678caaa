import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { Adapter } from 'socket.io-adapter';
import { createAdapter } from '@socket.io/redis-adapter';
import { io as connect, type Socket } from 'socket.io-client';
import { received } from './received';
import { yieldingBroadcasts } from '../../api/realtime/yielding-adapter';
import { oneBufferFrame } from '../../api/realtime/transport';
import { socketIoKey } from '../../common/realtime/publisher';
import { createRedis, closeRedis } from '../../common/redis';
import { apiDeps, testWorkerDeps } from '../support/deps';

const CHUNK = 2;
const CLIENTS = 5;

interface Hall {
  io: Server;
  clients: Socket[];
  /** what the server did, in order: `w<n>` each frame written to a socket, plus the test's own marks */
  log: string[];
  /** the frame lists handed to ws for each of those writes, in order */
  frames: unknown[];
  close(): Promise<void>;
}

/** A Socket.IO server whose adapter writes broadcasts CHUNK sockets at a time, with CLIENTS clients in room `hall`. */
async function hall(make: ConstructorParameters<typeof Server>[1] extends infer O ? O : never): Promise<Hall> {
  const server = http.createServer();
  const io = new Server(server, make);
  const log: string[] = [];
  const frames: unknown[] = [];
  let n = 0;
  io.on('connection', (socket: ServerSocket) => {
    const id = ++n;
    void socket.join('hall');
    // every frame written to this socket goes through its ws sender's sendFrame, whether engine.io
    // writes it (Client#writeToEngine) or the adapter writes the broadcast's frame directly (direct-write.ts)
    const sender = (socket.conn.transport as unknown as { socket: { _sender: { sendFrame(list: unknown, cb?: unknown): void } } }).socket._sender;
    const sendFrame = sender.sendFrame.bind(sender);
    sender.sendFrame = (list: unknown, cb?: unknown) => {
      log.push(`w${id}`);
      frames.push(list);
      sendFrame(list, cb);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
          s.once('connect', () => resolve(s));
        }),
    ),
  );
  // the handshakes' own writes are not the tests'
  log.splice(0);
  frames.splice(0);
  return {
    io,
    clients,
    log,
    frames,
    async close() {
      clients.forEach((c) => c.close());
      await io.close();
    },
  };
}

describe('realtime: broadcasts to a big room yield between chunks of sockets', () => {
  describe('in one process', () => {
    let h: Hall;
    before(async () => {
      h = await hall({ adapter: yieldingBroadcasts((nsp) => new Adapter(nsp), CHUNK) });
    });
    afterEach(() => {
      h.log.splice(0);
      h.frames.splice(0);
    });
    after(async () => h.close());

    it('writes one chunk of sockets before the emit returns, and the rest afterwards', async () => {
      const all = Promise.all(h.clients.map((c) => received(c, 'tick', 1)));
      h.io.to('hall').emit('tick', 1);
      h.log.push('returned');
      await all;
      expect(h.log.indexOf('returned')).to.equal(CHUNK);
      expect(h.log.filter((l) => l !== 'returned')).to.have.length(CLIENTS);
    });

    it('delivers events emitted back to back to every socket once, in the order emitted', async () => {
      const all = Promise.all(h.clients.map((c) => received(c, 'seq', 3)));
      for (const n of [1, 2, 3]) h.io.to('hall').emit('seq', n);
      for (const got of await all) expect(got).to.deep.equal([1, 2, 3]);
    });

    it('writes a room no bigger than a chunk at once', async () => {
      const two = new Set([...h.io.of('/').sockets.keys()].slice(0, CHUNK));
      const all = Promise.all(h.clients.filter((c) => two.has(c.id!)).map((c) => received(c, 'small', 1)));
      h.io.to([...two]).emit('small', 1);
      h.log.push('returned');
      await all;
      expect(h.log).to.have.length(CHUNK + 1);
      expect(h.log[CHUNK]).to.equal('returned');
    });

    it("encodes an event once, and writes every chunk's sockets the same websocket frame", async () => {
      const adapter = h.io.of('/').adapter as unknown as { encoder: { encode(packet: unknown): unknown[] } };
      const encode = adapter.encoder.encode;
      let encodes = 0;
      adapter.encoder.encode = function (this: unknown, packet: unknown) {
        encodes++;
        return encode.call(this, packet);
      };
      try {
        const all = Promise.all(h.clients.map((c) => received(c, 'once', 1)));
        h.io.to('hall').emit('once', { big: 'x'.repeat(100) });
        await all;
        expect(encodes).to.equal(1);
        expect(h.frames).to.have.length(CLIENTS);
        // the same buffer, not equal copies: nothing was framed again for a later chunk
        const first = (h.frames[0] as Buffer[])[0];
        for (const list of h.frames as Buffer[][]) expect(list[0]).to.equal(first);
      } finally {
        adapter.encoder.encode = encode;
      }
    });

    it('writes every socket the websocket frame as one buffer, header and payload as ws framed them', async () => {
      const all = Promise.all(h.clients.map((c) => received(c, 'framed', 1)));
      h.io.to('hall').emit('framed', { n: 1 });
      expect(await all).to.deep.equal(Array.from({ length: CLIENTS }, () => [{ n: 1 }]));
      const payload = Buffer.from('42["framed",{"n":1}]');
      // FIN and the text opcode, an unmasked length under 126, then Engine.IO's message of Socket.IO's event
      const expected = Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
      expect(h.frames).to.have.length(CLIENTS);
      for (const frame of h.frames) expect(frame).to.deep.equal([expected]);
    });

    it('leaves room joins synchronous', async () => {
      h.io.in('hall').socketsJoin('joined');
      expect(h.io.of('/').adapter.rooms.get('joined')?.size).to.equal(CLIENTS);
    });
  });

  describe('events heard from Redis (as a worker publishes them)', () => {
    let h: Hall;
    const config = apiDeps().config;
    const pub = createRedis(config, 'subscriber');
    const sub = pub.duplicate();
    before(async () => {
      h = await hall({ adapter: yieldingBroadcasts(createAdapter(pub, sub, { key: socketIoKey(config) }), CHUNK) });
      // the subscription is in place before anything is published
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    after(async () => {
      await h.close();
      await Promise.allSettled([closeRedis(pub), closeRedis(sub)]);
    });

    it('are written in chunks too, each to every socket once and in order', async () => {
      // logged after the adapter's own handler of each message has returned
      const heard = () => h.log.push('heard');
      sub.on('pmessageBuffer', heard);
      const all = Promise.all(h.clients.map((c) => received(c, 'grading:queued', 3)));
      // one publisher (one Redis connection): its events are heard in the order published
      const { realtime } = testWorkerDeps();
      for (const n of ['a', 'b', 'c']) realtime.publish('hall', 'grading:queued', { submissionId: n } as never);
      for (const got of await all) expect(got.map((p) => (p as { submissionId: string }).submissionId)).to.deep.equal(['a', 'b', 'c']);
      sub.off('pmessageBuffer', heard);
      expect(h.log.indexOf('heard')).to.equal(CHUNK);
      expect(h.log.filter((l) => l !== 'heard')).to.have.length(3 * CLIENTS);
    });
  });
});

describe('realtime: a broadcast frame made one buffer (oneBufferFrame)', () => {
  it('joins the header and the payload ws framed into one buffer of the same bytes', () => {
    const opts: Record<string, unknown> = { wsPreEncodedFrame: [Buffer.from([0x81, 2]), Buffer.from('4x')] };
    oneBufferFrame(opts);
    expect(opts.wsPreEncodedFrame).to.deep.equal([Buffer.from([0x81, 2, 0x34, 0x78])]);
  });

  it('leaves packet options without a two-buffer frame as they are', () => {
    const one = [Buffer.from('x')];
    const cases: Array<Record<string, unknown>> = [{}, { wsPreEncodedFrame: one }, { wsPreEncodedFrame: ['a', 'b'] }];
    for (const opts of cases) {
      const before = { ...opts };
      oneBufferFrame(opts);
      expect(opts).to.deep.equal(before);
    }
    expect(cases[1]!.wsPreEncodedFrame).to.equal(one);
  });
});
