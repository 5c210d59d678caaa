import type { Redis } from 'ioredis';
import { socketPresenceKey } from '../../common/realtime/presence';

const TTL_MS = 90_000;
const REFRESH_MS = 30_000;

/**
 * Sockets one refresh pipeline renews before the next is built. The refresh was one pipeline of two
 * commands per socket: at 10,000 sockets 20,000 ioredis commands built in one synchronous stretch
 * (~0.4 s of CPU, ~0.7 s with the collections of their garbage, on this 2-core machine), queued on the
 * connection every HTTP request's Redis calls share, and their 20,000 replies parsed in one go. Every
 * 30 s it held HTTP and any broadcast behind it (bench/README.md, sockets: the app's delivery and HTTP
 * tails). 250 sockets (500 commands, a few ms) at a time, each batch sent once the previous answered.
 */
export const REFRESH_BATCH = 250;

/**
 * Renews a batch of sockets in one command: KEYS are their users' presence keys, ARGV the expiry score,
 * the keys' TTL and then the socket ids in the keys' order. A pipeline of a ZADD and a PEXPIRE per
 * socket was 500 ioredis commands a batch, each with its promise, arguments and reply, kept across
 * scavenges while the batch waited for Redis: ~13 MB promoted per refresh of 10,000 sockets
 * (bench/README.md, sockets3). One script call a batch is one command, one reply.
 */
const RENEW = `
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[i + 2])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return #KEYS`;

/** Marks the sockets this process holds as online (common/realtime/presence.ts), refreshed every 30 s. */
export class SocketPresence {
  private readonly local = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly batch = REFRESH_BATCH,
  ) {
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  add(socketId: string, userId: string) {
    this.local.set(socketId, userId);
    const key = socketPresenceKey(this.prefix, userId);
    this.redis
      .multi()
      .zadd(key, Date.now() + TTL_MS, socketId)
      .pexpire(key, TTL_MS)
      .exec()
      .catch(() => undefined);
  }

  remove(socketId: string) {
    const userId = this.local.get(socketId);
    if (!userId) return;
    this.local.delete(socketId);
    this.redis.zrem(socketPresenceKey(this.prefix, userId), socketId).catch(() => undefined);
  }

  /**
   * Renews every held socket's entry, `batch` sockets per script call (RENEW), the next built once the
   * previous answered, so HTTP requests and broadcasts run in between and their Redis calls do not queue behind
   * the whole refresh. A socket that leaves meanwhile is not visited again (the Map's iterator skips
   * deleted entries), so no refresh re-adds an entry after its `remove`. One refresh at a time: a
   * call while one runs gets that one.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.renew().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async renew() {
    const expires = Date.now() + TTL_MS;
    let keys: string[] = [];
    let ids: string[] = [];
    const send = () => this.redis.eval(RENEW, keys.length, ...keys, expires, TTL_MS, ...ids).catch(() => undefined);
    for (const [socketId, userId] of this.local) {
      keys.push(socketPresenceKey(this.prefix, userId));
      ids.push(socketId);
      if (keys.length < this.batch) continue;
      await send();
      keys = [];
      ids = [];
    }
    if (keys.length > 0) await send();
  }

  close() {
    clearInterval(this.timer);
    const pipeline = this.redis.pipeline();
    for (const [socketId, userId] of this.local) pipeline.zrem(socketPresenceKey(this.prefix, userId), socketId);
    this.local.clear();
    return pipeline.exec().catch(() => undefined);
  }
}
