import { expect } from 'chai';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { io as connect, type Socket } from 'socket.io-client';
import { attachSocketServer, type SocketServer } from '../../api/realtime/socket-server';
import { featureRoomAuthorizers } from '../../api/modules';
import type { ApiDeps } from '../../api/deps';
import type { SocketData } from '../../api/realtime/socket-data';
import { rooms } from '../../common/realtime/events';
import { app, apiDeps, testWorkerDeps } from '../support/deps';
import { createSchool, tokenFor } from '../support/factories';
import { connectClient, nextEvent } from '../support/realtime';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Collects until `ref` is gone, a few rounds at most (a promise job may hold it for a tick). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 20 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  return ref.deref() === undefined;
}

interface Served {
  url: string;
  server: http.Server;
  sockets: SocketServer;
  close(): Promise<void>;
}

async function serve(deps: ApiDeps): Promise<Served> {
  const server = http.createServer(app());
  const sockets = attachSocketServer(server, deps, featureRoomAuthorizers(deps));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    sockets,
    async close() {
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('realtime: what a socket keeps of its handshake', () => {
  let live: Served;
  let school: Awaited<ReturnType<typeof createSchool>>;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);

  before(async () => {
    live = await serve(apiDeps());
    school = await createSchool();
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => live.close());

  it('lets the upgrade request of a websocket connection be collected once connected', async () => {
    let request: WeakRef<object> | undefined;
    const capture = (req: http.IncomingMessage) => (request = new WeakRef(req));
    live.server.prependOnceListener('upgrade', capture);
    track(await connectClient(live.url, tokenFor(school.student)));
    expect(await collected(request!)).to.equal(true);
  });

  it('lets the polling handshake and the upgrade request be collected once upgraded to websocket', async () => {
    const requests: WeakRef<object>[] = [];
    const onRequest = (req: http.IncomingMessage) => {
      if (req.url?.startsWith('/socket.io/') && !req.url.includes('sid=')) requests.push(new WeakRef(req));
    };
    const onUpgrade = (req: http.IncomingMessage) => requests.push(new WeakRef(req));
    live.server.prependListener('request', onRequest);
    live.server.prependListener('upgrade', onUpgrade);
    const socket = track(connect(live.url, { auth: { token: tokenFor(school.student) }, reconnection: false, forceNew: true }));
    await new Promise<void>((resolve) => socket.io.engine.once('upgrade', () => resolve()));
    live.server.off('request', onRequest);
    live.server.off('upgrade', onUpgrade);
    expect(requests).to.have.length(2);
    for (const r of requests) expect(await collected(r)).to.equal(true);
  });

  it('keeps neither the access token nor the request headers on the server side socket', async () => {
    const client = track(await connectClient(live.url, tokenFor(school.student)));
    const [socket] = [...live.sockets.io.of('/').sockets.values()].filter((s) => s.id === client.id);
    expect(socket!.handshake.auth).to.deep.equal({});
    expect(socket!.handshake.headers).to.deep.equal({});
    expect(socket!.request).to.equal(null);
  });

  it('still delivers room events and re-authenticates a socket whose request was dropped', async () => {
    const client = track(await connectClient(live.url, tokenFor(school.student)));
    const reply = (await client.emitWithAck('auth', { token: tokenFor(school.student) })) as { ok: boolean };
    expect(reply.ok).to.equal(true);
    const event = nextEvent<{ submissionId: string }>(client, 'grading:completed');
    testWorkerDeps().realtime.publish(rooms.classroom(school.classroom.id), 'grading:completed', {
      submissionId: 'after-drop',
      verdict: 'accepted',
      score: 1,
      maxScore: 1,
    });
    expect((await event).submissionId).to.equal('after-drop');
  });

  it('reconnects after the transport drops, back in its rooms', async () => {
    const client = track(
      connect(live.url, { auth: { token: tokenFor(school.student) }, transports: ['websocket'], reconnectionDelay: 10, forceNew: true }),
    );
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const first = client.id;
    // the namespace's `connect`, not the manager's `reconnect`: the rooms are joined by then
    const reconnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
    live.sockets.io.of('/').sockets.get(first!)!.conn.close();
    await reconnected;
    expect(client.id).to.not.equal(first);
    const event = nextEvent<{ submissionId: string }>(client, 'grading:completed');
    testWorkerDeps().realtime.publish(rooms.classroom(school.classroom.id), 'grading:completed', {
      submissionId: 'after-reconnect',
      verdict: 'accepted',
      score: 1,
      maxScore: 1,
    });
    expect((await event).submissionId).to.equal('after-reconnect');
  });
});

describe('realtime: a handshake the deny list could not check', () => {
  it('answers INTERNAL_ERROR, not UNAUTHENTICATED, so the client keeps its session and retries', async () => {
    const deps = apiDeps();
    const failing: ApiDeps = { ...deps, auth: { ...deps.auth, authenticateToken: () => Promise.reject(new Error('Command timed out')) } };
    const live = await serve(failing);
    try {
      const school = await createSchool();
      const err = await connectClient(live.url, tokenFor(school.student)).catch((e: Error) => e);
      expect((err as Error).message).to.equal('INTERNAL_ERROR');
    } finally {
      await live.close();
    }
  });
});

describe('realtime: what each socket holds on the server', () => {
  let live: Served;
  let school: Awaited<ReturnType<typeof createSchool>>;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);
  /** The server's side of a connected client. */
  const serverSide = (client: Socket) => live.sockets.io.of('/').sockets.get(client.id!)!;

  before(async () => {
    live = await serve(apiDeps());
    school = await createSchool();
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => live.close());

  it('keeps only the user on a socket that has sent nothing', async () => {
    const socket = serverSide(track(await connectClient(live.url, tokenFor(school.student))));
    expect(Object.keys(socket.data as object)).to.deep.equal(['user']);
    expect((socket.data as SocketData).user.id).to.equal(school.student.id);
  });

  it('makes the event budget at the first event, and the subscriptions at the first subscribe', async () => {
    const client = track(await connectClient(live.url, tokenFor(school.student)));
    await client.emitWithAck('unsubscribe', { room: 'submission', id: 'none' });
    expect(Object.keys(serverSide(client).data as object)).to.have.members(['user', 'budget']);
    await client.emitWithAck('subscribe', { room: 'submission', id: crypto.randomUUID() });
    expect(Object.keys(serverSide(client).data as object)).to.have.members(['user', 'budget', 'subscriptions']);
  });

  it('gives every socket the same two listeners, whatever it may send: one for disconnect, one for all its events', async () => {
    const [a, b] = [
      serverSide(track(await connectClient(live.url, tokenFor(school.student)))),
      serverSide(track(await connectClient(live.url, tokenFor(school.teacher)))),
    ];
    for (const event of ['auth', 'subscribe', 'unsubscribe', 'chat:typing']) expect(a.listeners(event), event).to.have.length(0);
    expect(a.listeners('disconnect')).to.have.length(1);
    expect(a.listeners('disconnect')[0]).to.equal(b.listeners('disconnect')[0]);
    expect(a.listenersAny()).to.have.length(1);
    expect(a.listenersAny()[0]).to.equal(b.listenersAny()[0]);
  });
});
