import type { ChainableCommander, Redis } from 'ioredis';
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

/**
 * `append` in one command: each user's XADD and EXPIRE, then the announcement naming the ids Redis gave,
 * so an append is one write and one round trip (it was a pipeline, then a PUBLISH once its ids were
 * back), and it can ride in another pipeline (the grading events'). A user whose XADD fails (WRONGTYPE)
 * is left out of the announcement, as before.
 * KEYS: the users' stream keys. ARGV: maxLen, ttl, event, channel, topic, shared data, then per user
 * its id and its own data ('' for the shared one).
 */
const APPEND = `local targets = {}
for i = 1, #KEYS do
  local user, own = ARGV[5 + 2 * i], ARGV[6 + 2 * i]
  local id = redis.pcall('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[3], 'd', own ~= '' and own or ARGV[6])
  if type(id) == 'string' then
    redis.call('EXPIRE', KEYS[i], ARGV[2])
    targets[#targets + 1] = own ~= '' and { user, id, own } or { user, id }
  end
end
local message = cjson.encode({ topic = ARGV[5], event = ARGV[3], data = ARGV[6], targets = targets })
-- cjson writes an empty table as {}: the announcement's targets are a list
if #targets == 0 then message = string.gsub(message, '"targets":{}', '"targets":[]') end
redis.call('PUBLISH', ARGV[4], message)
return #targets`;

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
   * Appends one event to each user's log and announces it: one command (APPEND above), one round trip.
   * `perUser` gives a user their own payload (a notification's id differs per user).
   */
  async append(topic: StreamTopic, userIds: readonly string[], event: string, payload: unknown, perUser?: Map<string, unknown>): Promise<void> {
    if (userIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    this.appendOn(pipeline, topic, userIds, event, payload, perUser);
    const [[err] = [null]] = (await pipeline.exec()) ?? [];
    if (err) throw err;
  }

  /** `append` queued on a pipeline of this log's connection, to go out with the pipeline's other commands. */
  appendOn(
    pipeline: ChainableCommander,
    topic: StreamTopic,
    userIds: readonly string[],
    event: string,
    payload: unknown,
    perUser?: Map<string, unknown>,
  ): void {
    if (userIds.length === 0) return;
    const data = JSON.stringify(payload);
    const args: string[] = [];
    for (const userId of userIds) {
      const own = perUser?.get(userId);
      args.push(userId, own === undefined ? '' : JSON.stringify(own));
    }
    const keys = userIds.map((u) => this.key(topic, u));
    pipeline.eval(APPEND, keys.length, ...keys, this.options.maxLen, this.options.ttlSeconds, event, this.channel, topic, data, ...args);
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
