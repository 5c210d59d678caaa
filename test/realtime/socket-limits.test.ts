import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { isolatedApp } from '../support/deps';
import { createUser, tokenFor } from '../support/factories';
import { connectClient, nextEvent } from '../support/realtime';
import { serveLive, type LiveApp } from '../support/sse';
import { MAX_MESSAGE_BYTES } from '../../api/realtime/transport';

interface Reply {
  ok: boolean;
  error?: string;
}

describe('realtime: what one socket may ask of the server', function () {
  let live: LiveApp;
  let lookups = 0;
  const open: Socket[] = [];
  const client = async () => {
    const s = await connectClient(live.url, tokenFor(await createUser()));
    open.push(s);
    return s;
  };

  before(async () => {
    // a budget that never refills within a test, so the counts below do not depend on timing
    const { app, deps } = isolatedApp({
      SOCKET_EVENTS_PER_SECOND: '0.1',
      SOCKET_EVENT_BURST: '8',
      SOCKET_MAX_SUBSCRIPTIONS: '3',
      SOCKET_MAX_PER_USER: '2',
    });
    // a room kind anyone may join, counting the lookups a feature's authorizer would make
    live = await serveLive(app, deps, {
      open: () => {
        lookups++;
        return Promise.resolve(true);
      },
    });
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => live.close());

  it('answers RATE_LIMITED past the burst, without looking the room up', async () => {
    const socket = await client();
    const before = lookups;
    const replies = (await Promise.all(
      Array.from({ length: 10 }, (_, i) => socket.emitWithAck('subscribe', { room: 'open', id: `r${i % 2}` })),
    )) as Reply[];
    expect(replies.filter((r) => r.ok)).to.have.length(8);
    expect(replies.filter((r) => r.error === 'RATE_LIMITED')).to.have.length(2);
    expect(lookups - before).to.equal(8);
  });

  it('disconnects a socket that keeps sending past its budget', async () => {
    const socket = await client();
    const reason = nextEvent<{ reason: string }>(socket, 'session:ended');
    for (let i = 0; i < 20; i++) socket.emit('subscribe', { room: 'open', id: 'x' });
    expect(await reason).to.deep.equal({ reason: 'rate-limited' });
  });

  it('refuses a subscription past the per-socket cap, and admits one again after an unsubscribe', async () => {
    const socket = await client();
    for (const id of ['a', 'b', 'c']) expect(await socket.emitWithAck('subscribe', { room: 'open', id })).to.deep.equal({ ok: true });
    expect(await socket.emitWithAck('subscribe', { room: 'open', id: 'd' })).to.deep.equal({ ok: false, error: 'TOO_MANY_SUBSCRIPTIONS' });
    // subscribing again to a room already held takes no new place
    expect(await socket.emitWithAck('subscribe', { room: 'open', id: 'a' })).to.deep.equal({ ok: true });
    await socket.emitWithAck('unsubscribe', { room: 'open', id: 'a' });
    expect(await socket.emitWithAck('subscribe', { room: 'open', id: 'd' })).to.deep.equal({ ok: true });
  });

  it("ends a user's oldest socket when they open one past the per-user cap, and keeps the newer ones", async () => {
    const token = tokenFor(await createUser());
    const sockets: Socket[] = [];
    for (let i = 0; i < 2; i++) sockets.push(await connectClient(live.url, token));
    open.push(...sockets);
    const ended = nextEvent<{ reason: string }>(sockets[0]!, 'session:ended');
    const third = await connectClient(live.url, token);
    open.push(third);
    expect(await ended).to.deep.equal({ reason: 'connection-limit' });
    // the survivors still answer
    for (const s of [sockets[1]!, third]) expect(await s.emitWithAck('subscribe', { room: 'open', id: 'k' })).to.deep.equal({ ok: true });
  });

  it("does not count another user's sockets against the cap", async () => {
    const a = tokenFor(await createUser());
    const b = tokenFor(await createUser());
    const sockets = [await connectClient(live.url, a), await connectClient(live.url, a), await connectClient(live.url, b)];
    open.push(...sockets);
    for (const s of sockets) expect(await s.emitWithAck('subscribe', { room: 'open', id: 'k' })).to.deep.equal({ ok: true });
  });

  it(`closes a socket that sends one message over ${MAX_MESSAGE_BYTES / 1024} KB, and keeps one that sends a message just under`, async () => {
    const small = await client();
    const reply = (await small.emitWithAck('subscribe', { room: 'open', id: 'x'.repeat(MAX_MESSAGE_BYTES - 100) })) as Reply;
    expect(reply.ok).to.equal(true);
    const big = await client();
    const closed = new Promise<string>((resolve) => big.once('disconnect', (reason) => resolve(reason)));
    big.emit('subscribe', { room: 'open', id: 'x'.repeat(MAX_MESSAGE_BYTES) });
    expect(await closed).to.equal('transport close');
  });

  for (const kind of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    it(`refuses the room kind "${kind}", which only an object's prototype knows`, async () => {
      const socket = await client();
      expect(await socket.emitWithAck('subscribe', { room: kind, id: 'x' })).to.deep.equal({ ok: false, error: 'UNKNOWN_ROOM' });
    });
  }
});
