import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { RealtimeEventName, RealtimeEvents } from './events';
import { StreamLog } from './stream-log';

export const socketIoKey = (config: Pick<Config, 'redis'>) => `${config.redis.prefix}socket.io`;

/**
 * Publishes to Socket.IO rooms through Redis, so the API process and the worker processes reach
 * every connected browser whichever API instance holds its socket.
 */
export class RealtimePublisher {
  private readonly emitter: Emitter;
  /** the per-user Server-Sent Events logs, appended through the same connection */
  readonly streams: StreamLog;

  constructor(config: Pick<Config, 'redis'>, redis: Redis) {
    this.emitter = new Emitter(redis, { key: socketIoKey(config) });
    this.streams = StreamLog.forConfig(config, redis);
  }

  /**
   * One emit to several rooms reaches a socket in more than one of them once. Sockets in any room
   * of `except` are left out, so a redacted copy can skip those who get the full one.
   */
  publish<E extends RealtimeEventName>(roomsToReach: string | string[], event: E, payload: RealtimeEvents[E], except: string[] = []): void {
    const targets = Array.isArray(roomsToReach) ? roomsToReach : [roomsToReach];
    if (targets.length === 0) return;
    const operator = this.emitter.to(targets);
    (except.length ? operator.except(except) : operator).emit(event, payload);
  }

  /** Makes every socket in `room`, on any API process, join `toJoin` too (e.g. a student who just joined a classroom). */
  joinRooms(room: string, toJoin: string[]): void {
    this.emitter.in(room).socketsJoin(toJoin);
  }
}
