import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { isolatedApp } from '../support/deps';
import { createUser, tokenFor } from '../support/factories';
import { connectClient } from '../support/realtime';
import { serveLive, type LiveApp } from '../support/sse';
import type { ApiDeps } from '../../api/deps';

describe('realtime: subscriptions and re-authentication that go wrong', function () {
  let live: LiveApp;
  let deps: ApiDeps;
  const open: Socket[] = [];
  const client = async () => {
    const s = await connectClient(live.url, tokenFor(await createUser()));
    open.push(s);
    return s;
  };

  before(async () => {
    const isolated = isolatedApp({ SOCKET_MAX_SUBSCRIPTIONS: '1' });
    deps = isolated.deps;
    live = await serveLive(isolated.app, deps, {
      // a room kind whose lookup fails, as a feature's would with its database away
      broken: () => Promise.reject(new Error('connection terminated')),
      // a room kind whose lookup takes a while, so two subscriptions overlap
      slow: () => new Promise((resolve) => setTimeout(() => resolve(true), 100)),
    });
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => live.close());

  it('answers INTERNAL_ERROR when the room lookup fails, and keeps the socket', async () => {
    const socket = await client();
    expect(await socket.emitWithAck('subscribe', { room: 'broken', id: 'x' })).to.deep.equal({ ok: false, error: 'INTERNAL_ERROR' });
    expect(socket.connected).to.equal(true);
  });

  it('answers UNKNOWN_ROOM to a room or id that is not text', async () => {
    const socket = await client();
    expect(await socket.emitWithAck('subscribe', { room: ['slow'], id: 'x' })).to.deep.equal({ ok: false, error: 'UNKNOWN_ROOM' });
    expect(await socket.emitWithAck('subscribe', { room: 'slow', id: 7 })).to.deep.equal({ ok: false, error: 'UNKNOWN_ROOM' });
    expect(await socket.emitWithAck('subscribe', null)).to.deep.equal({ ok: false, error: 'UNKNOWN_ROOM' });
  });

  it('admits only one of two subscriptions authorized at once for the last place', async () => {
    const socket = await client();
    const replies = await Promise.all([
      socket.emitWithAck('subscribe', { room: 'slow', id: 'a' }),
      socket.emitWithAck('subscribe', { room: 'slow', id: 'b' }),
    ]);
    expect(replies).to.deep.equal([{ ok: true }, { ok: false, error: 'TOO_MANY_SUBSCRIPTIONS' }]);
  });

  it('refuses a fresh token that must first change its password, naming why', async () => {
    const user = await createUser();
    const socket = await connectClient(live.url, tokenFor(user));
    open.push(socket);
    const pending = deps.tokens.sign(
      { id: user.id, role: user.role, email: user.email, name: user.name, mustChangePassword: true },
      crypto.randomUUID(),
    );
    expect(await socket.emitWithAck('auth', { token: pending.token })).to.deep.equal({ ok: false, error: 'PASSWORD_CHANGE_REQUIRED' });
  });

  it('refuses at the handshake a token that must first change its password', async () => {
    const user = await createUser();
    const pending = deps.tokens.sign(
      { id: user.id, role: user.role, email: user.email, name: user.name, mustChangePassword: true },
      crypto.randomUUID(),
    );
    const err = await connectClient(live.url, pending.token).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('UNAUTHENTICATED');
  });
});
