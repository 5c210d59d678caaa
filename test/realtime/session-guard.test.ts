import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io';
import { SocketSessions } from '../../api/realtime/session-guard';
import type { AccessRevocation } from '../../api/auth/revocation';
import type { AuthUser } from '../../api/auth/middleware';
import { createLogger } from '../../common/logger';

interface FakeSocket {
  id: string;
  ended: unknown[];
  disconnected: boolean;
}

function fakeSocket(): FakeSocket & Socket {
  const s: FakeSocket = { id: crypto.randomUUID(), ended: [], disconnected: false };
  return Object.assign(s, {
    emit: (_event: string, payload: unknown) => s.ended.push(payload),
    disconnect: () => (s.disconnected = true),
  }) as unknown as FakeSocket & Socket;
}

const now = () => Math.floor(Date.now() / 1000);
const userToken = (over: Partial<AuthUser> = {}): AuthUser =>
  ({
    id: crypto.randomUUID(),
    role: 'student',
    sid: crypto.randomUUID(),
    jti: crypto.randomUUID(),
    iat: now(),
    exp: now() + 600,
    ...over,
  }) as AuthUser;

const sessions = () => new SocketSessions({} as AccessRevocation, createLogger({ log: { level: 'silent', format: 'json' } }, 'test'));

describe('Socket sessions revoked while their check was under way', () => {
  it('ends a socket whose session was revoked after its token was checked', () => {
    const guard = sessions();
    const socket = fakeSocket();
    const user = userToken();
    const mark = guard.mark();
    guard.revoked({ sessions: [user.sid] });
    guard.track(socket, user, mark);
    expect(socket.ended).to.deep.equal([{ reason: 'revoked' }]);
    expect(guard.size).to.equal(0);
  });

  it('ends a socket whose token was denied after it was checked', () => {
    const guard = sessions();
    const socket = fakeSocket();
    const user = userToken();
    const mark = guard.mark();
    guard.revoked({ tokens: [user.jti] });
    guard.track(socket, user, mark);
    expect(socket.disconnected).to.equal(true);
  });

  it("ends a socket whose user's earlier tokens were all revoked after it was checked", () => {
    const guard = sessions();
    const socket = fakeSocket();
    const user = userToken();
    const mark = guard.mark();
    guard.revoked({ users: [{ id: user.id, before: user.iat }] });
    guard.track(socket, user, mark);
    expect(socket.ended).to.deep.equal([{ reason: 'revoked' }]);
  });

  it("keeps a socket whose token was issued after its user's revocation", () => {
    const guard = sessions();
    const socket = fakeSocket();
    const user = userToken();
    const mark = guard.mark();
    guard.revoked({ users: [{ id: user.id, before: user.iat - 60 }], sessions: [crypto.randomUUID()] });
    guard.track(socket, user, mark);
    expect(socket.disconnected).to.equal(false);
    expect(guard.size).to.equal(1);
  });

  it('keeps a socket checked after the revocation was published', () => {
    const guard = sessions();
    const socket = fakeSocket();
    const user = userToken();
    guard.revoked({ sessions: [user.sid] });
    guard.track(socket, user, guard.mark());
    expect(socket.disconnected).to.equal(false);
  });

  it('still holds the newest revocations to a late socket after more than a thousand', () => {
    const guard = sessions();
    const socket = fakeSocket();
    const user = userToken();
    const mark = guard.mark();
    for (let i = 0; i < 1001; i++) guard.revoked({ tokens: [crypto.randomUUID()] });
    guard.revoked({ tokens: [user.jti] });
    guard.track(socket, user, mark);
    expect(socket.ended).to.deep.equal([{ reason: 'revoked' }]);
  });
});

describe('Socket re-authentication', () => {
  it('ignores a fresh token for a socket it does not hold', () => {
    const guard = sessions();
    const socket = fakeSocket();
    guard.reauthenticate(socket, userToken(), guard.mark());
    expect(guard.size).to.equal(0);
    expect(socket.disconnected).to.equal(false);
  });

  it('ends a socket whose fresh token was revoked while it was being checked', () => {
    const guard = sessions();
    const socket = fakeSocket();
    const user = userToken();
    guard.track(socket, user, guard.mark());
    const fresh = { ...user, jti: crypto.randomUUID(), sid: crypto.randomUUID() };
    const mark = guard.mark();
    guard.revoked({ sessions: [fresh.sid] });
    guard.reauthenticate(socket, fresh, mark);
    expect(socket.ended).to.deep.equal([{ reason: 'revoked' }]);
    expect(guard.size).to.equal(0);
  });

  it('moves a socket to the session of its fresh token, so revoking the old session no longer ends it', () => {
    const guard = sessions();
    const socket = fakeSocket();
    const user = userToken();
    const oldSid = user.sid;
    guard.track(socket, user, guard.mark());
    guard.reauthenticate(socket, { ...user, sid: crypto.randomUUID() }, guard.mark());
    guard.revoked({ sessions: [oldSid] });
    expect(socket.disconnected).to.equal(false);
  });

  it('forgets a socket untracked twice without error', () => {
    const guard = sessions();
    const socket = fakeSocket();
    guard.track(socket, userToken(), guard.mark());
    guard.untrack(socket);
    guard.untrack(socket);
    expect(guard.size).to.equal(0);
  });
});

describe('Socket sessions ending at their tokens’ expiry (one timer for all)', () => {
  /** Lets the expiry timer (due now) run. */
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('ends the sockets whose tokens have expired and keeps the others', async () => {
    const guard = sessions();
    const [expired, live] = [fakeSocket(), fakeSocket()];
    guard.track(live, userToken({ exp: now() + 600 }), guard.mark());
    guard.track(expired, userToken({ exp: now() - 1 }), guard.mark());
    await tick();
    expect(expired.ended).to.deep.equal([{ reason: 'expired' }]);
    expect(live.ended).to.deep.equal([]);
    expect(guard.size).to.equal(1);
  });

  it('follows re-authentication both ways: an earlier expiry comes sooner, a later one is not ended at the old time', async () => {
    const guard = sessions();
    const [shortened, extended] = [fakeSocket(), fakeSocket()];
    const first = userToken({ exp: now() + 600 });
    guard.track(shortened, first, guard.mark());
    guard.reauthenticate(shortened, { ...first, exp: now() - 1 }, guard.mark());
    const second = userToken({ exp: now() - 1 });
    // tracked and re-authenticated in the same turn, before the timer could run
    guard.track(extended, second, guard.mark());
    guard.reauthenticate(extended, { ...second, exp: now() + 600 }, guard.mark());
    await tick();
    expect(shortened.ended).to.deep.equal([{ reason: 'expired' }]);
    expect(extended.ended).to.deep.equal([]);
  });

  it('ends exactly the held sockets that are due, among many, some gone before', async () => {
    const guard = sessions();
    const all = Array.from({ length: 300 }, (_, i) => ({ socket: fakeSocket(), due: i % 3 !== 0, gone: i % 5 === 0 }));
    // expiries in a shuffled order, so the heap has work to do
    for (const [i, s] of all.entries())
      guard.track(s.socket, userToken({ exp: s.due ? now() - 1 - ((i * 7) % 11) : now() + 60 + ((i * 13) % 17) }), guard.mark());
    for (const s of all) if (s.gone) guard.untrack(s.socket);
    await tick();
    for (const s of all) expect(s.socket.ended.length, `due ${s.due}, gone ${s.gone}`).to.equal(s.due && !s.gone ? 1 : 0);
    expect(guard.size).to.equal(all.filter((s) => !s.due && !s.gone).length);
  });
});
