import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { expect } from 'chai';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import type { Socket } from 'socket.io-client';
import { app, apiDeps, isolatedApp, testWorkerDeps } from '../support/deps';
import { createSchool, createUser, tokenFor, TEST_PASSWORD, type TestUser } from '../support/factories';
import { auth, login } from '../support/auth';
import { connectClient, nextEvent, startLiveServer, type LiveServer } from '../support/realtime';
import { openSse, serveLive, type LiveApp } from '../support/sse';
import { until } from '../support/until';
import { rooms } from '../../common/realtime/events';
import { revokeSessionsOfUsers } from '../../common/auth/session-deny-list';
import { getConfig } from '../../common/config';
import type { User } from '../../common/models';

/** How long a revoked session may take to be refused everywhere: README.md#guarantees points here. */
const REVOKED_WITHIN_MS = 5000;

/** Resolves with the reason the server gave once it has ended the socket. */
function ended(socket: Socket, ms = REVOKED_WITHIN_MS): Promise<string> {
  return Promise.all([nextEvent<{ reason: string }>(socket, 'session:ended', ms), nextEvent<string>(socket, 'disconnect', ms)]).then(
    ([payload, why]) => {
      expect(why).to.equal('io server disconnect');
      return payload.reason;
    },
  );
}

/** A token of the user, signed as GEMA signs them, that expires `seconds` from now. */
function shortLivedToken(user: User, seconds: number, sid: string = crypto.randomUUID()): string {
  const now = Math.floor(Date.now() / 1000);
  const config = getConfig();
  return jwt.sign(
    { sub: user.id, role: user.role, email: user.email, name: user.name, sid, jti: crypto.randomUUID(), iat: now, exp: now + seconds },
    apiDeps().tokens.key,
    { algorithm: 'HS256', issuer: config.auth.issuer, audience: config.auth.audience },
  );
}

describe('realtime: a socket ends with its session', function () {
  let live: LiveServer;
  const open: Socket[] = [];
  const client = async (token: string, url = live.url) => {
    const s = await connectClient(url, token);
    open.push(s);
    return s;
  };

  before(async () => {
    live = await startLiveServer();
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => live.close());

  it('is disconnected when its session logs out, and told why', async () => {
    const user = await createUser();
    const tokens = await login(user);
    const socket = await client(tokens.access_token);
    const reason = ended(socket);
    await request(app()).post('/api/v2/auth/logout').set(auth(tokens)).send({}).expect(204);
    expect(await reason).to.equal('revoked');
  });

  it('is disconnected when the user changes their password in another session', async () => {
    const user = await createUser();
    const here = await login(user);
    const there = await login(user);
    const socket = await client(here.access_token);
    const reason = ended(socket);
    await request(app())
      .post('/api/v2/auth/password/change')
      .set(auth(there))
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' })
      .expect(200);
    expect(await reason).to.equal('revoked');
  });

  it('keeps the socket of the session that changed the password', async () => {
    const user = await createUser();
    const tokens = await login(user);
    const socket = await client(tokens.access_token);
    let endedHere = false;
    socket.on('session:ended', () => (endedHere = true));
    await request(app())
      .post('/api/v2/auth/password/change')
      .set(auth(tokens))
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' })
      .expect(200);
    const marker = nextEvent(socket, 'notification:new');
    testWorkerDeps().realtime.publish(rooms.user(user.id), 'notification:new', { id: 'n', type: 't', title: 'still here' });
    await marker;
    expect(endedHere).to.equal(false);
  });

  it('is disconnected when staff suspend the account, even for a token without a refresh session', async () => {
    const s = await createSchool();
    const socket = await client(tokenFor(s.student));
    const reason = ended(socket);
    await request(app())
      .post(`/api/v2/admin/students/${s.student.id}/suspend`)
      .set(auth(tokenFor(s.admin)))
      .expect(200);
    expect(await reason).to.equal('revoked');
  });

  it('is disconnected when staff delete the account', async () => {
    const s = await createSchool();
    const socket = await client(tokenFor(s.student));
    const reason = ended(socket);
    await request(app())
      .delete(`/api/v2/admin/students/${s.student.id}`)
      .set(auth(tokenFor(s.admin)))
      .expect(204);
    expect(await reason).to.equal('revoked');
  });

  it('is disconnected when another API process revokes the session', async () => {
    const user = await createUser();
    const other = isolatedApp();
    const tokens = await login(user, TEST_PASSWORD, other.app);
    const socket = await client(tokens.access_token);
    const reason = ended(socket);
    await request(other.app).post('/api/v2/auth/logout').set(auth(tokens)).send({}).expect(204);
    expect(await reason).to.equal('revoked');
  });

  it('is disconnected when a worker ends the sessions of the user (a bulk import moving them)', async () => {
    const user = await createUser();
    const tokens = await login(user);
    const socket = await client(tokens.access_token);
    const reason = ended(socket);
    const worker = testWorkerDeps();
    await revokeSessionsOfUsers(
      { sequelize: worker.sequelize, redis: worker.redis, prefix: worker.config.redis.prefix, accessTtlSeconds: worker.config.auth.accessTtlSeconds },
      [user.id],
      'admin',
    );
    expect(await reason).to.equal('revoked');
  });

  it('is ended by the sweep that follows a resubscription when the revocation itself was never heard', async () => {
    const user = await createUser();
    const tokens = await login(user);
    const socket = await client(tokens.access_token);
    const claims = apiDeps().tokens.verify(tokens.access_token);
    // the deny key alone, as if the event had been published while this process's subscription was down
    await apiDeps().redis.set(`${getConfig().redis.prefix}auth:deny:sid:${claims.sid}`, '1', 'EX', 60);
    const reason = ended(socket);
    live.sockets.sessions.resync();
    expect(await reason).to.equal('revoked');
  });

  it('is refused at the handshake once revoked, whichever key revoked it', async () => {
    const s = await createSchool();
    await request(app())
      .post(`/api/v2/admin/students/${s.student.id}/suspend`)
      .set(auth(tokenFor(s.admin)))
      .expect(200);
    const err = await connectClient(live.url, tokenFor(s.student)).catch((e: Error) => e);
    // signed after the suspension, in the same second: refused, as every earlier token is
    expect((err as Error).message).to.equal('UNAUTHENTICATED');
  });

  describe('access token expiry', () => {
    it('disconnects the socket when its access token expires', async () => {
      const user = await createUser();
      const socket = await client(shortLivedToken(user, 2));
      expect(await ended(socket, 8000)).to.equal('expired');
    });

    it('keeps a socket that sent a fresh token of the same user before expiry', async () => {
      const user: TestUser = await createUser();
      const first = shortLivedToken(user, 2);
      const firstExp = apiDeps().tokens.verify(first).exp;
      const socket = await client(first);
      let endedHere = false;
      socket.on('session:ended', () => (endedHere = true));
      const reply = await socket.emitWithAck('auth', { token: tokenFor(user) });
      expect(reply.ok).to.equal(true);
      expect(Date.parse(reply.expiresAt)).to.be.greaterThan(firstExp * 1000);
      await until(() => Date.now() > firstExp * 1000 + 500, 10_000);
      const marker = nextEvent(socket, 'notification:new');
      testWorkerDeps().realtime.publish(rooms.user(user.id), 'notification:new', { id: 'n', type: 't', title: 'still here' });
      await marker;
      expect(endedHere).to.equal(false);
      expect(socket.connected).to.equal(true);
    });

    it('ends a re-authenticated socket when the session of its new token is revoked', async () => {
      const user = await createUser();
      const socket = await client(tokenFor(user));
      const tokens = await login(user);
      expect((await socket.emitWithAck('auth', { token: tokens.access_token })).ok).to.equal(true);
      const reason = ended(socket);
      await request(app()).post('/api/v2/auth/logout').set(auth(tokens)).send({}).expect(204);
      expect(await reason).to.equal('revoked');
    });

    it("refuses a fresh token of another user, and keeps the socket's own identity", async () => {
      const s = await createSchool();
      const socket = await client(tokenFor(s.student));
      expect(await socket.emitWithAck('auth', { token: tokenFor(s.classmate) })).to.deep.equal({ ok: false, error: 'USER_MISMATCH' });
    });

    it('refuses a revoked or malformed token sent to re-authenticate', async () => {
      const user = await createUser();
      const socket = await client(tokenFor(user));
      const tokens = await login(user);
      await request(app()).post('/api/v2/auth/logout').set(auth(tokens)).send({}).expect(204);
      expect(await socket.emitWithAck('auth', { token: tokens.access_token })).to.deep.equal({ ok: false, error: 'UNAUTHENTICATED' });
      expect(await socket.emitWithAck('auth', { token: 42 })).to.deep.equal({ ok: false, error: 'UNAUTHENTICATED' });
    });
  });

  describe('Server-Sent Events', () => {
    it('ends an open stream with a final `revoked` event when its session logs out', async () => {
      const user = await createUser();
      const tokens = await login(user);
      const stream = await openSse(`${live.url}/api/v2/notifications/stream`, auth(tokens));
      expect(stream.status).to.equal(200);
      const revoked = stream.next((e) => e.event === 'revoked', REVOKED_WITHIN_MS);
      await request(app()).post('/api/v2/auth/logout').set(auth(tokens)).send({}).expect(204);
      expect(JSON.parse((await revoked).data)).to.deep.equal({ reconnect: false });
      await stream.ended;
    });

    it('ends a stream opened with a ticket when the account is suspended', async () => {
      const s = await createSchool();
      const token = tokenFor(s.student);
      const ticket = (await request(app()).post('/api/v2/notifications/stream-ticket').set(auth(token)).expect(201)).body.data.ticket as string;
      const stream = await openSse(`${live.url}/api/v2/notifications/stream?ticket=${ticket}`);
      expect(stream.status).to.equal(200);
      const revoked = stream.next((e) => e.event === 'revoked', REVOKED_WITHIN_MS);
      await request(app())
        .post(`/api/v2/admin/students/${s.student.id}/suspend`)
        .set(auth(tokenFor(s.admin)))
        .expect(200);
      await revoked;
      await stream.ended;
    });

    it('ends at once a stream opened with a ticket whose session was revoked after the ticket was issued', async () => {
      const user = await createUser();
      const tokens = await login(user);
      const ticket = (await request(app()).post('/api/v2/notifications/stream-ticket').set(auth(tokens)).expect(201)).body.data.ticket as string;
      await request(app()).post('/api/v2/auth/logout').set(auth(tokens)).send({}).expect(204);
      const stream = await openSse(`${live.url}/api/v2/notifications/stream?ticket=${ticket}`);
      await stream.next((e) => e.event === 'revoked');
      await stream.ended;
    });
  });

  describe('when this process missed the revocation (its subscription was cut)', function () {
    // a Redis of this spec's own, so cutting its subscribers disturbs no other test
    let redisServer: ChildProcess;
    let url: string;
    let admin: Redis;
    let second: LiveApp;

    before(async function () {
      this.timeout(20_000);
      const port = await new Promise<number>((resolve) => {
        const probe = net.createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as AddressInfo;
          probe.close(() => resolve(free));
        });
      });
      redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      url = `redis://127.0.0.1:${port}/0`;
      admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => 100 });
      admin.on('error', () => undefined); // refused until the server is up
      await until(
        () =>
          admin.connect().then(
            () => true,
            () => false,
          ),
        10_000,
      );
      const isolated = isolatedApp({ REDIS_URL: url });
      second = await serveLive(isolated.app, isolated.deps);
    });
    after(async () => {
      await second?.close();
      admin?.disconnect();
      redisServer?.kill('SIGTERM');
    });

    it('ends the socket after resubscribing, from the deny list alone', async () => {
      const user = await createUser();
      const token = tokenFor(user);
      const socket = await client(token, second.url);
      const { sid } = apiDeps().tokens.verify(token);
      const reason = ended(socket, 15_000);
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      // the key without the event: only the check that follows the resubscription can find it
      await admin.set(`${getConfig().redis.prefix}auth:deny:sid:${sid}`, '1', 'EX', 60);
      expect(await reason).to.equal('revoked');
    });
  });
});
