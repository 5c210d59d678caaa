import type { Redis } from 'ioredis';
import { socketPresenceKey } from '../../common/realtime/presence';

const TTL_MS = 90_000;
const REFRESH_MS = 30_000;

/** Marks the sockets this process holds as online (common/realtime/presence.ts), refreshed every 30 s. */
export class SocketPresence {
  private readonly local = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
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

  private async refresh() {
    const expires = Date.now() + TTL_MS;
    const pipeline = this.redis.pipeline();
    for (const [socketId, userId] of this.local) {
      const key = socketPresenceKey(this.prefix, userId);
      pipeline.zadd(key, expires, socketId).pexpire(key, TTL_MS);
    }
    await pipeline.exec().catch(() => undefined);
  }

  close() {
    clearInterval(this.timer);
    const pipeline = this.redis.pipeline();
    for (const [socketId, userId] of this.local) pipeline.zrem(socketPresenceKey(this.prefix, userId), socketId);
    this.local.clear();
    return pipeline.exec().catch(() => undefined);
  }
}
