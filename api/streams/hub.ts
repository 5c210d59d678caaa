import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../common/config';
import type { Logger } from '../../common/logger';
import { createRedis, closeRedis } from '../../common/redis';
import { streamSlotsKey } from '../../common/realtime/presence';
import { RateLimitedError, ServiceUnavailableError } from '../../common/errors';
import { streamIdAfter, parseStreamId, type StreamLog, type StreamMessage, type StreamTopic } from '../../common/realtime/stream-log';
import type { RevocationEvent } from '../../common/auth/session-deny-list';
import type { AccessRevocation } from '../auth/revocation';
import type { RevocationFeed, RevocationListener } from '../auth/revocation-feed';
import { revocationSubject, type AuthUser } from '../auth/middleware';

interface Connection {
  id: string;
  userId: string;
  /** the identity that opened it: the stream ends when its token, session or user is revoked */
  user: AuthUser;
  topic: StreamTopic;
  res: Response;
  /** the last id written, so an event both replayed and heard live is sent once */
  lastId: string;
  /** live events heard while the replay is still being read */
  pending: StreamMessage[] | null;
}

/** A client this far behind (bytes queued in its socket) is cut; it reconnects and is replayed. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * The open-stream slots of a user, a sorted set of connection ids scored by expiry, shared by every
 * API process. A process that dies leaves slots that lapse after three heartbeats.
 */
const CLAIM_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export interface StreamHubOptions {
  config: Pick<Config, 'redis' | 'streams'>;
  logger: Logger;
  /** the command connection: slots and the log */
  redis: Redis;
  log: StreamLog;
  revocation: AccessRevocation;
  revocationFeed: RevocationFeed;
}

const REVOKED_FRAME = `event: revoked\ndata: ${JSON.stringify({ reconnect: false })}\n\n`;

/**
 * The Server-Sent Events streams this API process holds (README.md#streams-server-sent-events).
 * One Redis subscription per process hears every append to any user's log; each event is written
 * to the local streams of its users. Replays come from the log, so a reconnect misses nothing.
 */
export class StreamHub implements RevocationListener {
  private readonly byUser = new Map<string, Set<Connection>>();
  private subscriber?: Redis;
  private subscribing?: Promise<void>;
  private heartbeat?: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: StreamHubOptions) {}

  /** Streams open in this process. */
  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  private slotKey(userId: string) {
    return streamSlotsKey(this.options.config.redis.prefix, userId);
  }

  private slotTtlMs() {
    return this.options.config.streams.heartbeatMs * 3;
  }

  private ensureSubscribed(): Promise<void> {
    this.subscribing ??= (async () => {
      await this.options.revocationFeed.listen(this);
      const sub = createRedis(this.options.config, 'subscriber', this.options.logger);
      this.subscriber = sub;
      sub.on('message', (_channel: string, raw: string) => this.deliver(raw));
      await sub.subscribe(this.options.log.channel);
      this.heartbeat = setInterval(() => void this.beat(), this.options.config.streams.heartbeatMs);
      this.heartbeat.unref();
    })();
    return this.subscribing;
  }

  /**
   * Opens a stream for the user: claims a slot (429 past the cap), sends the headers and the retry
   * advice, replays what the log holds after `lastEventId`, then live events. Resolves once live.
   */
  async open(req: Request, res: Response, user: AuthUser, topic: StreamTopic, lastEventId?: string): Promise<void> {
    const userId = user.id;
    if (this.closing) throw new ServiceUnavailableError('This server is shutting down; reconnect', 1);
    await this.ensureSubscribed();
    const id = crypto.randomUUID();
    const now = Date.now();
    const claimed = await this.options.redis.eval(
      CLAIM_SLOT,
      1,
      this.slotKey(userId),
      now,
      now + this.slotTtlMs(),
      this.options.config.streams.maxPerUser,
      id,
      this.slotTtlMs(),
    );
    if (claimed !== 1)
      throw new RateLimitedError(
        Math.ceil(this.options.config.streams.retryMs / 1000) || 1,
        `At most ${this.options.config.streams.maxPerUser} streams may be open at once; close one first`,
        'TOO_MANY_STREAMS',
      );

    const conn: Connection = { id, userId, user, topic, res, lastId: lastEventId && parseStreamId(lastEventId) ? lastEventId : '0-0', pending: [] };
    this.add(conn);
    // left out of the request-duration histogram (api/middleware/observe.ts): a stream lasts minutes
    res.locals.stream = true;
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: a proxy must not compress or rewrite the stream
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'Content-Encoding': 'identity',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${this.options.config.streams.retryMs}\n: connected\n\n`);
    const end = () => this.remove(conn);
    res.on('close', end);
    if (req.socket.destroyed) return end();
    // a revocation published after the request was authenticated, before the stream was held here
    if (await this.options.revocation.isRevoked(revocationSubject(user))) return this.endRevoked(conn);

    try {
      if (lastEventId && parseStreamId(lastEventId)) {
        for (const entry of await this.options.log.after(topic, userId, lastEventId)) {
          this.write(conn, entry.id, entry.event, entry.data);
        }
      }
    } finally {
      const heard = conn.pending ?? [];
      conn.pending = null;
      for (const m of heard) this.deliverTo(conn, m);
    }
  }

  private add(conn: Connection) {
    let set = this.byUser.get(conn.userId);
    if (!set) this.byUser.set(conn.userId, (set = new Set()));
    set.add(conn);
  }

  private remove(conn: Connection) {
    const set = this.byUser.get(conn.userId);
    if (!set?.delete(conn)) return;
    if (set.size === 0) this.byUser.delete(conn.userId);
    this.options.redis.zrem(this.slotKey(conn.userId), conn.id).catch(() => undefined);
  }

  private deliver(raw: string) {
    let message: StreamMessage;
    try {
      message = JSON.parse(raw) as StreamMessage;
    } catch {
      return;
    }
    for (const target of message.targets) {
      const set = this.byUser.get(target[0]);
      if (!set) continue;
      for (const conn of set) if (conn.topic === message.topic) this.deliverTo(conn, message, target);
    }
  }

  private deliverTo(conn: Connection, message: StreamMessage, target?: StreamMessage['targets'][number]) {
    const t = target ?? message.targets.find((x) => x[0] === conn.userId);
    if (!t) return;
    if (conn.pending) {
      conn.pending.push({ ...message, targets: [t] });
      return;
    }
    this.write(conn, t[1], message.event, t[2] ?? message.data);
  }

  private write(conn: Connection, id: string, event: string, data: string) {
    if (conn.res.writableEnded || !streamIdAfter(id, conn.lastId)) return;
    conn.lastId = id;
    if (conn.res.writableLength > MAX_BUFFERED_BYTES) {
      conn.res.destroy();
      return;
    }
    conn.res.write(`id: ${id}\nevent: ${event}\ndata: ${data}\n\n`);
  }

  revoked(event: RevocationEvent): void {
    const sessions = new Set(event.sessions);
    const tokens = new Set(event.tokens);
    for (const set of [...this.byUser.values()]) {
      for (const conn of [...set]) {
        const cutOff = event.users?.some((u) => u.id === conn.userId && conn.user.iat <= u.before);
        if (cutOff || sessions.has(conn.user.sid) || tokens.has(conn.user.jti)) this.endRevoked(conn);
      }
    }
  }

  resync(): void {
    const all = [...this.byUser.values()].flatMap((set) => [...set]);
    this.options.revocation.revokedAmong(all.map((c) => revocationSubject(c.user))).then(
      (revoked) => all.forEach((conn, i) => revoked[i] && this.endRevoked(conn)),
      (err: Error) => this.options.logger.warn('stream session sweep failed', { error: err.message }),
    );
  }

  /** A final `revoked` event (do not reconnect with the same credentials), then the end. */
  private endRevoked(conn: Connection) {
    this.remove(conn);
    conn.res.end(REVOKED_FRAME);
  }

  /** A comment line on every stream (proxies keep it open) and the slots' expiry pushed back. */
  private async beat() {
    const expires = Date.now() + this.slotTtlMs();
    const pipeline = this.options.redis.pipeline();
    for (const [userId, set] of this.byUser) {
      for (const conn of set) {
        conn.res.write(': ping\n\n');
        pipeline.zadd(this.slotKey(userId), 'XX', expires, conn.id);
      }
      pipeline.pexpire(this.slotKey(userId), this.slotTtlMs());
    }
    await pipeline.exec().catch(() => undefined);
  }

  /**
   * Ends every open stream at once with a final `shutdown` event telling the client to reconnect
   * (to another process), and refuses new ones. For the shutdown sequence: streams never end by
   * themselves, so the server would otherwise wait out its deadline.
   */
  closeAll(): void {
    this.closing = true;
    const frame = `event: shutdown\ndata: ${JSON.stringify({ reconnect: true })}\n\n`;
    for (const set of [...this.byUser.values()]) {
      for (const conn of [...set]) {
        conn.res.end(frame);
        this.remove(conn);
      }
    }
  }

  async close(): Promise<void> {
    this.closeAll();
    this.options.revocationFeed.unlisten(this);
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.subscriber) await closeRedis(this.subscriber);
  }
}
