import request from 'supertest';
import { expect } from 'chai';
import { isolatedApp, testWorkerDeps } from '../support/deps';
import { bearer, createUser } from '../support/factories';
import { openSse, serveLive, type LiveApp, type SseClient } from '../support/sse';
import { notifyUsers } from '../../common/notifications/create';
import type { User } from '../../common/models';

/** README.md#streams-server-sent-events, through the notification stream. */
describe('SSE streams', function () {
  this.timeout(20_000);
  let live: LiveApp;
  let ctx: ReturnType<typeof isolatedApp>;
  let user: User;
  const open: SseClient[] = [];

  const stream = async (headers: Record<string, string> = bearer(user), query = '') => {
    const c = await openSse(`${live.url}/api/v2/notifications/stream${query}`, headers);
    open.push(c);
    return c;
  };
  const announce = (title: string, to: User = user) => notifyUsers(testWorkerDeps().realtime, [to.id], { type: 'announcement', title });
  const titleOf = (data: string) => (JSON.parse(data) as { title: string }).title;

  before(async () => {
    ctx = isolatedApp({ STREAM_MAX_PER_USER: '2', STREAM_HEARTBEAT_MS: '200', STREAM_RETRY_MS: '1500' });
    live = await serveLive(ctx.app, ctx.deps);
  });
  beforeEach(async () => {
    user = await createUser();
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(async () => {
    await live.close();
  });

  it('answers with event-stream headers for proxies: no buffering, no caching, no compression', async () => {
    const c = await stream();
    expect(c.status).to.equal(200);
    expect(c.headers['content-type']).to.match(/^text\/event-stream/);
    expect(c.headers['x-accel-buffering']).to.equal('no');
    expect(c.headers['cache-control']).to.include('no-transform');
    expect(c.headers['content-encoding'] ?? 'identity').to.equal('identity');
  });

  it('advises the reconnect delay first and sends a heartbeat comment', async () => {
    const c = await stream();
    const pinged = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (c.comments.includes('ping')) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    await pinged;
    expect(c.retry).to.equal(1500);
  });

  it('delivers a notification made in a worker process, with an id', async () => {
    const c = await stream();
    await announce('from the worker');
    const e = await c.next((x) => x.event === 'notification');
    expect(titleOf(e.data)).to.equal('from the worker');
    expect(e.id).to.match(/^\d+-\d+$/);
  });

  it('replays everything after Last-Event-ID to a client that dropped and reconnected, then goes on live', async () => {
    const first = await stream();
    await announce('one');
    const one = await first.next();
    first.close();
    await first.ended;
    await announce('two');
    await announce('three');
    const again = await stream({ ...bearer(user), 'Last-Event-ID': one.id! });
    await announce('four');
    const got = [await again.next(), await again.next(), await again.next()].map((e) => titleOf(e.data));
    expect(got).to.deep.equal(['two', 'three', 'four']);
  });

  it("sends a user nobody else's events", async () => {
    const other = await createUser();
    const c = await stream();
    await announce('not yours', other);
    await announce('yours');
    expect(titleOf((await c.next()).data)).to.equal('yours');
  });

  it('refuses a stream past the per-user cap with 429, and admits one again once a stream closes', async () => {
    const a = await stream();
    await stream();
    const third = await stream();
    expect(third.status).to.equal(429);
    expect(JSON.parse(third.body).error.code).to.equal('TOO_MANY_STREAMS');
    a.close();
    await a.ended;
    // the slot is given back when the server sees the close
    let admitted: SseClient | undefined;
    for (let i = 0; i < 50 && admitted?.status !== 200; i++) {
      admitted?.close();
      admitted = await stream();
      if (admitted.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(admitted!.status).to.equal(200);
  });

  it('answers 401 to a stream without a token or ticket', async () => {
    const c = await stream({});
    expect(c.status).to.equal(401);
  });

  describe('tickets', () => {
    const ticket = async () =>
      (await request(ctx.app).post('/api/v2/notifications/stream-ticket').set(bearer(user)).expect(201)).body.data as {
        ticket: string;
        expiresIn: number;
      };

    it('opens the stream once with a ticket instead of a token', async () => {
      const { ticket: t, expiresIn } = await ticket();
      expect(expiresIn).to.equal(60);
      const c = await stream({}, `?ticket=${t}`);
      expect(c.status).to.equal(200);
      await announce('by ticket');
      expect(titleOf((await c.next()).data)).to.equal('by ticket');
    });

    it('refuses a ticket used a second time', async () => {
      const { ticket: t } = await ticket();
      expect((await stream({}, `?ticket=${t}`)).status).to.equal(200);
      const again = await stream({}, `?ticket=${t}`);
      expect(again.status).to.equal(401);
      expect(JSON.parse(again.body).error.code).to.equal('INVALID_TICKET');
    });

    it('stores a ticket for 60 seconds at most and refuses it once expired', async () => {
      const { ticket: t } = await ticket();
      const keys = await ctx.deps.redis.keys(`${ctx.deps.config.redis.prefix}stream-ticket:*`);
      const ttls = await Promise.all(keys.map((k) => ctx.deps.redis.ttl(k)));
      expect(ttls.every((s) => s > 0 && s <= 60)).to.equal(true);
      // expire it now rather than wait a minute
      await Promise.all(keys.map((k) => ctx.deps.redis.pexpire(k, 1)));
      await new Promise((r) => setTimeout(r, 20));
      expect((await stream({}, `?ticket=${t}`)).status).to.equal(401);
    });

    it('refuses a notification ticket on the chat stream', async () => {
      const { ticket: t } = await ticket();
      const r = await request(ctx.app).get(`/api/v2/chat/sse?ticket=${t}`);
      expect(r.status).to.equal(401);
    });
  });

  it('ends every open stream at once with a shutdown event telling the client to reconnect', async () => {
    const other = isolatedApp();
    const server = await serveLive(other.app, other.deps);
    try {
      const c = await openSse(`${server.url}/api/v2/notifications/stream`, bearer(user));
      other.deps.streams.closeAll();
      const e = await c.next((x) => x.event === 'shutdown');
      expect(JSON.parse(e.data)).to.deep.equal({ reconnect: true });
      await c.ended;
      const refused = await openSse(`${server.url}/api/v2/notifications/stream`, bearer(user));
      expect(refused.status).to.equal(503);
    } finally {
      await server.close();
    }
  });
});
