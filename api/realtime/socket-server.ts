import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { classroomOf } from '../access/classrooms';
import { rooms } from '../../common/realtime/events';
import { socketIoKey } from '../../common/realtime/publisher';
import { createRedis, closeRedis } from '../../common/redis';
import { AppError } from '../../common/errors';
import type { ApiDeps } from '../deps';
import type { AuthUser } from '../auth/middleware';
import { featureSocketHandlers } from '../modules';
import { SocketPresence } from './presence';
import { SocketSessions } from './session-guard';
import { EventBudget } from './event-budget';
import { TRANSPORT_OPTIONS, coalesceWebsocketWrites, dropHandshakeRequests } from './transport';
import { yieldingBroadcasts } from './yielding-adapter';
import { socketUser, type SocketData } from './socket-data';
import { TaughtClassrooms } from './taught-classrooms';

/**
 * Decides whether a user may listen to one room of a kind, e.g. `submission` + an id: `false`
 * refuses, `true` joins `<kind>:<id>`, a string joins that room instead (e.g. a staff variant that
 * gets more detail than the plain one).
 */
export type RoomAuthorizer = (user: AuthUser, id: string) => Promise<boolean | string>;

/** A listener of one client event, shared by every socket: `this` is the socket, its user `socketUser(this)`. */
export type SocketListener = (this: Socket, ...args: never[]) => unknown;

/**
 * A feature's own socket events (e.g. chat typing indicators), by event name. One function per event
 * for every socket, not a closure made per connection: at 10,000 sockets each closure, each listener
 * slot and each cache it holds is paid 10,000 times (bench/README.md, sockets).
 */
export type SocketHandlers = Readonly<Record<string, SocketListener>>;

export interface SocketServer {
  io: Server;
  /** the sockets this process holds, each ending with its session */
  sessions: SocketSessions;
  close(): Promise<void>;
}

interface SubscribeRequest {
  room?: unknown;
  id?: unknown;
}
/** What the handshake middleware hands to the `connection` handler on `socket.data`. */
interface Pending {
  user: AuthUser;
  rooms: string[];
  /** the revocation feed's sequence number taken before the deny-list check (SocketSessions.mark) */
  mark: number;
}
type Ack = (reply: { ok: boolean; error?: string; expiresAt?: string }) => void;

/** The reply function of an event, when the client asked for one (it is always the last argument). */
const ackOf = (args: unknown[]): Ack | undefined => {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Ack) : undefined;
};

const errorCode = (err: unknown) =>
  (err as { code?: unknown }).code === 'PASSWORD_CHANGE_REQUIRED' ? 'PASSWORD_CHANGE_REQUIRED' : 'UNAUTHENTICATED';

/**
 * Socket.IO on the API's HTTP server. The Redis adapter lets every API instance deliver events that
 * any process (API or worker) publishes through the Redis emitter.
 */
export function attachSocketServer(
  httpServer: HttpServer,
  deps: ApiDeps,
  authorizers: Record<string, RoomAuthorizer>,
  featureHandlers: SocketHandlers = featureSocketHandlers(deps),
): SocketServer {
  const pub: Redis = createRedis(deps.config, 'subscriber', deps.logger);
  const sub: Redis = pub.duplicate();
  const io = new Server(httpServer, {
    cors: { origin: deps.config.http.corsOrigins.length ? deps.config.http.corsOrigins : false, credentials: true },
    // a broadcast to a big room yields between chunks of sockets, so HTTP is answered meanwhile
    adapter: yieldingBroadcasts(createAdapter(pub, sub, { key: socketIoKey(deps.config) })),
    ...TRANSPORT_OPTIONS,
  });
  dropHandshakeRequests(io);
  coalesceWebsocketWrites(io);
  // who is online, for chat's "while you are offline" notifications
  const presence = new SocketPresence(deps.redis, deps.config.redis.prefix);
  const sessions = new SocketSessions(deps.revocation, deps.logger);
  const feedReady = deps.revocationFeed.listen(sessions);
  // own keys only: a plain object would also answer `constructor` or `toString`
  const roomKinds = new Map(Object.entries(authorizers));
  const limits = deps.config.sockets;
  const taught = new TaughtClassrooms();
  // A classroom's room name, one string for all its sockets: the adapter keeps the name each socket
  // joined in that socket's own set of rooms, so a name built per handshake was a copy per socket
  // (~64 bytes each). Bounded by the school's classrooms.
  const roomNames = new Map<string, string>();
  const sharedRoom = (name: string): string => {
    const held = roomNames.get(name);
    if (held !== undefined) return held;
    roomNames.set(name, name);
    return name;
  };

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) return next(new Error('UNAUTHENTICATED'));
    // taken before the deny-list check: a revocation heard after it still ends this socket
    const mark = sessions.mark();
    feedReady
      .then(() => deps.auth.authenticateToken(token))
      .then(
        async (user) => {
          // rooms are worked out before the handshake completes, so they are joined by the time the
          // client sees `connect` and no early event is missed
          const joined = [rooms.user(user.id)];
          if (user.role === 'teacher') {
            // remembered per teacher for a minute: one query per teacher, not per socket (taught-classrooms.ts)
            joined.push(...(await taught.of(user.id)).map((id) => sharedRoom(rooms.classroomTeachers(id))));
          } else if (user.role === 'student') {
            // the token's `cls` claim answers without a query (a reconnect storm of a whole school
            // would otherwise be one user-row read per socket); older tokens fall back to the row
            const classroomId = user.tokenClassroomId ?? (await classroomOf(user.id));
            if (classroomId) joined.push(sharedRoom(rooms.classroom(classroomId)));
          }
          // the access token has done its work (a fresh one comes with `auth`): not kept per socket
          socket.handshake.auth = {};
          socket.data = { user, rooms: joined, mark } satisfies Pending;
          next();
        },
        // a refused token is the client's to fix; a deny list that did not answer (Redis) is not a
        // reason for the client to drop its session
        (err: unknown) => {
          if (err instanceof AppError && (err.status === 401 || err.status === 403)) return next(new Error('UNAUTHENTICATED'));
          deps.logger.warn('socket handshake failed', { error: (err as Error).message });
          next(new Error('INTERNAL_ERROR'));
        },
      )
      .catch((err: Error) => {
        deps.logger.warn('socket handshake failed', { error: err.message });
        next(new Error('INTERNAL_ERROR'));
      });
  });

  // The listeners below are made once per server and shared by every socket (`this` is the socket).
  // A closure per socket and per event, and an event-emitter slot each, were ~1 KB of each of 10,000
  // sockets (bench/README.md, sockets): a socket now holds one `disconnect` listener and one `onAny`
  // entry, the dispatcher below, whatever it may send.
  function onDisconnect(this: Socket) {
    presence.remove(this.id);
    sessions.untrack(this);
  }

  // a fresh access token of the same user, sent after each refresh, keeps the socket past the old one's expiry
  async function onAuth(this: Socket, request: { token?: unknown } | undefined, ack?: Ack) {
    const reply = typeof ack === 'function' ? ack : () => undefined;
    const token = typeof request?.token === 'string' ? request.token : '';
    if (!token) return reply({ ok: false, error: 'UNAUTHENTICATED' });
    const user = socketUser(this);
    const mark = sessions.mark();
    let next: AuthUser;
    try {
      next = await deps.auth.authenticateToken(token);
    } catch (err) {
      return reply({ ok: false, error: errorCode(err) });
    }
    // the rooms joined at the handshake belong to this user and role: another needs a new socket
    if (next.id !== user.id || next.role !== user.role) return reply({ ok: false, error: 'USER_MISMATCH' });
    sessions.reauthenticate(this, next, mark);
    reply({ ok: true, expiresAt: new Date(next.exp * 1000).toISOString() });
  }

  async function onSubscribe(this: Socket, request: SubscribeRequest, ack?: Ack) {
    const reply = typeof ack === 'function' ? ack : () => undefined;
    const kind = typeof request?.room === 'string' ? request.room : '';
    const id = typeof request?.id === 'string' ? request.id : '';
    const authorize = roomKinds.get(kind);
    if (!authorize || !id) return reply({ ok: false, error: 'UNKNOWN_ROOM' });
    const data = this.data as SocketData;
    const held = (data.subscriptions ??= new Map());
    if (!held.has(`${kind}:${id}`) && held.size >= limits.maxSubscriptions) {
      return reply({ ok: false, error: 'TOO_MANY_SUBSCRIPTIONS' });
    }
    try {
      const decision = await authorize(data.user, id);
      if (decision === false) return reply({ ok: false, error: 'NOT_FOUND' });
      const room = decision === true ? `${kind}:${id}` : decision;
      // a second subscribe may have filled the last place while this one was authorized
      if (!held.has(`${kind}:${id}`) && held.size >= limits.maxSubscriptions) {
        return reply({ ok: false, error: 'TOO_MANY_SUBSCRIPTIONS' });
      }
      held.set(`${kind}:${id}`, room);
      await this.join(room);
      reply({ ok: true });
    } catch (err) {
      deps.logger.warn('socket subscribe failed', { error: (err as Error).message });
      reply({ ok: false, error: 'INTERNAL_ERROR' });
    }
  }

  async function onUnsubscribe(this: Socket, request: SubscribeRequest, ack?: Ack) {
    if (typeof request?.room === 'string' && typeof request?.id === 'string') {
      const key = `${request.room}:${request.id}`;
      const held = (this.data as SocketData).subscriptions;
      const room = held?.get(key);
      if (room) {
        held!.delete(key);
        await this.leave(room);
      }
    }
    if (typeof ack === 'function') ack({ ok: true });
  }

  // own keys only: a plain object would also answer `constructor` or `toString`
  const listeners = new Map<string, SocketListener>(
    Object.entries({ ...featureHandlers, auth: onAuth, subscribe: onSubscribe, unsubscribe: onUnsubscribe }),
  );

  /**
   * Every event a client sends comes here first (`onAny`, before Socket.IO's own dispatch, which finds
   * no listener and does nothing): it spends from the socket's budget, and a client that keeps sending
   * past it is cut; within it, the event goes to its listener, if any. The budget is made at the first
   * event, since most sockets only listen.
   */
  function dispatch(this: Socket, event: string, ...args: unknown[]) {
    const data = this.data as SocketData;
    const budget = (data.budget ??= new EventBudget(limits.eventsPerSecond, limits.eventBurst));
    if (!budget.take()) {
      ackOf(args)?.({ ok: false, error: 'RATE_LIMITED' });
      if (budget.refusedInARow >= limits.eventBurst) sessions.endSocket(this, 'rate-limited');
      return;
    }
    const listener = listeners.get(event) as ((this: Socket, ...args: unknown[]) => unknown) | undefined;
    if (listener) void listener.apply(this, args);
  }

  io.on('connection', (socket: Socket) => {
    const { user, rooms: joined, mark } = socket.data as Pending;
    // only the user stays on the socket (the rooms live in the adapter)
    socket.data = { user } satisfies SocketData;
    void socket.join(joined);
    presence.add(socket.id, user.id);
    socket.on('disconnect', onDisconnect);
    sessions.track(socket, user, mark);
    sessions.capUser(user.id, limits.maxPerUser);
    if (!socket.connected) return;
    socket.onAny(dispatch);
  });

  return {
    io,
    sessions,
    async close() {
      deps.revocationFeed.unlisten(sessions);
      taught.close();
      io.local.disconnectSockets(true);
      await presence.close();
      await new Promise<void>((resolve) => {
        // io.close() also closes the HTTP server; the caller closes that itself
        io.engine.close();
        resolve();
      });
      await Promise.allSettled([closeRedis(pub), closeRedis(sub)]);
    },
  };
}
