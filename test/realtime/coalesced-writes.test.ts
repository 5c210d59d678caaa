import { expect } from 'chai';
import type { Socket as NetSocket } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { rooms } from '../../common/realtime/events';
import { createUser, tokenFor } from '../support/factories';
import { connectClient, startLiveServer, type LiveServer } from '../support/realtime';

/** The server's TCP socket under the websocket of the user's one socket, with a count of its writes (one per system call). */
function watchWrites(live: LiveServer, userId: string): { writes: () => number } {
  const [socket] = [...live.sockets.io.sockets.sockets.values()].filter((s) => (s.data as { user: { id: string } }).user.id === userId);
  const raw = (socket!.conn.transport as unknown as { socket: { _socket: NetSocket } }).socket._socket;
  let writes = 0;
  const spy = raw as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const method of ['_write', '_writev'] as const) {
    const original = spy[method].bind(raw);
    spy[method] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  return { writes: () => writes };
}

/** Resolves with the first `n` payloads of `event` on the client. */
function received<T>(socket: Socket, event: string, n: number): Promise<T[]> {
  const seen: T[] = [];
  return new Promise((resolve) =>
    socket.on(event, (payload: T) => {
      seen.push(payload);
      if (seen.length === n) resolve(seen);
    }),
  );
}

describe('realtime: events sent to a websocket together', () => {
  let live: LiveServer;
  const open: Socket[] = [];
  before(async () => {
    live = await startLiveServer();
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => live.close());

  it('reach the client in order, the ones queued behind the first written in one system call', async () => {
    const user = await createUser();
    const client = await connectClient(live.url, tokenFor(user));
    open.push(client);
    const watched = watchWrites(live, user.id);
    const all = received<{ index: number }>(client, 'grading:test', 7);
    // a submission's events heard from Redis in one read: emitted in the same tick
    for (let index = 0; index < 7; index++) {
      live.sockets.io
        .to(rooms.user(user.id))
        .emit('grading:test', { submissionId: 's', index, name: `t${index}`, verdict: 'accepted', timeMs: 1, memoryKb: 1 });
    }
    expect((await all).map((p) => p.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    // the first is written at once; engine.io queues the other six until that write is done, then sends them together
    expect(watched.writes()).to.equal(2);
  });

  it('are coalesced by the transport class, with nothing added to each socket', async () => {
    const user = await createUser();
    open.push(await connectClient(live.url, tokenFor(user)));
    const [socket] = [...live.sockets.io.sockets.sockets.values()].filter((s) => (s.data as { user: { id: string } }).user.id === user.id);
    expect(Object.hasOwn(socket!.conn.transport, 'send')).to.equal(false);
    expect(socket!.conn.listenerCount('upgrade')).to.equal(0);
  });

  it('leave a websocket reached through a polling upgrade coalescing too', async () => {
    const user = await createUser();
    const client = connect(live.url, { auth: { token: tokenFor(user) }, reconnection: false, forceNew: true });
    open.push(client);
    await new Promise<void>((resolve) => client.io.engine.once('upgrade', () => resolve()));
    // the server switches transport once the client's upgrade packet arrives: wait for it
    const socketOf = () => [...live.sockets.io.sockets.sockets.values()].find((s) => (s.data as { user: { id: string } }).user.id === user.id);
    while (socketOf()?.conn.transport.name !== 'websocket') await new Promise((r) => setTimeout(r, 10));
    const watched = watchWrites(live, user.id);
    const all = received<{ index: number }>(client, 'grading:test', 5);
    for (let index = 0; index < 5; index++) {
      live.sockets.io
        .to(rooms.user(user.id))
        .emit('grading:test', { submissionId: 's', index, name: `t${index}`, verdict: 'accepted', timeMs: 1, memoryKb: 1 });
    }
    expect((await all).map((p) => p.index)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(watched.writes()).to.equal(2);
  });
});
