import type { Redis } from 'ioredis';
import type { Config } from '../config';

/** The kinds of Server-Sent Events stream a user may open; each has its own resumable log. */
export const STREAM_TOPICS = ['notifications', 'chat'] as const;
export type StreamTopic = (typeof STREAM_TOPICS)[number];

export interface StreamEntry {
  /** the Redis stream id, sent as the SSE `id` and compared on resume */
  id: string;
  event: string;
  /** JSON, one line */
  data: string;
}

/** What every API process hears on the one channel: the event once, and per user its stream id. */
export interface StreamMessage {
  topic: StreamTopic;
  event: string;
  data: string;
  /** [userId, stream id, per-user data when it differs from `data`] */
  targets: Array<[string, string, string?]>;
}

export interface StreamLogOptions {
  /** entries kept per user and topic; older ones are trimmed (approximately) */
  maxLen: number;
  /** a user's log is forgotten this long after its last entry */
  ttlSeconds: number;
}

const DEFAULTS: StreamLogOptions = { maxLen: 1000, ttlSeconds: 24 * 3600 };

/** `1733400000000-3` → comparable pair; anything else is not an id we made. */
export function parseStreamId(id: unknown): [number, number] | null {
  if (typeof id !== 'string') return null;
  const m = /^(\d{1,16})-(\d{1,10})$/.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function streamIdAfter(a: string, b: string): boolean {
  const x = parseStreamId(a);
  const y = parseStreamId(b);
  if (!x || !y) return true;
  return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
}

/**
 * Per-user event logs in Redis streams, shared by every process: the API and the workers append,
 * each API process hears every append on one pub/sub channel and writes it to the SSE clients it
 * holds, and a client that reconnects with `Last-Event-ID` is replayed what it missed from the log
 * (README.md#streams-server-sent-events).
 */
export class StreamLog {
  readonly channel: string;
  private readonly options: StreamLogOptions;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: Partial<StreamLogOptions> = {},
  ) {
    this.channel = `${prefix}streams`;
    this.options = { ...DEFAULTS, ...options };
  }

  static forConfig(config: Pick<Config, 'redis'>, redis: Redis): StreamLog {
    return new StreamLog(redis, config.redis.prefix);
  }

  key(topic: StreamTopic, userId: string): string {
    return `${this.prefix}stream:${topic}:${userId}`;
  }

  /**
   * Appends one event to each user's log (one pipelined round trip) and announces it (one publish).
   * `perUser` gives a user their own payload (a notification's id differs per user).
   */
  async append(topic: StreamTopic, userIds: readonly string[], event: string, payload: unknown, perUser?: Map<string, unknown>): Promise<void> {
    if (userIds.length === 0) return;
    const data = JSON.stringify(payload);
    const own = new Map<string, string>();
    if (perUser) for (const [u, p] of perUser) own.set(u, JSON.stringify(p));
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) {
      const key = this.key(topic, userId);
      pipeline.xadd(key, 'MAXLEN', '~', this.options.maxLen, '*', 'e', event, 'd', own.get(userId) ?? data);
      pipeline.expire(key, this.options.ttlSeconds);
    }
    const results = (await pipeline.exec()) ?? [];
    const targets: StreamMessage['targets'] = [];
    userIds.forEach((userId, i) => {
      const [err, id] = results[i * 2] ?? [];
      if (err || typeof id !== 'string') return;
      const mine = own.get(userId);
      targets.push(mine === undefined ? [userId, id] : [userId, id, mine]);
    });
    const message: StreamMessage = { topic, event, data, targets };
    await this.redis.publish(this.channel, JSON.stringify(message));
  }

  /** What the user's log holds after `afterId`, oldest first, at most `limit` entries. */
  async after(topic: StreamTopic, userId: string, afterId: string, limit = 1000): Promise<StreamEntry[]> {
    if (!parseStreamId(afterId)) return [];
    const rows = await this.redis.xrange(this.key(topic, userId), `(${afterId}`, '+', 'COUNT', limit);
    return rows.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { id, event: f.e ?? 'message', data: f.d ?? '{}' };
    });
  }
}
