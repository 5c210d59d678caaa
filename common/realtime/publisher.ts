import { Emitter } from '@socket.io/redis-emitter';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Config } from '../config';
import type { RealtimeEventName, RealtimeEvents } from './events';
import { StreamLog } from './stream-log';
import { invalidateStudentsOn } from '../learning/student-cache-versions';

/** one event of `publishBatch`: the arguments of `publish` */
export interface BatchedEvent {
  rooms: string | string[];
  event: RealtimeEventName;
  payload: RealtimeEvents[RealtimeEventName];
  except?: string[];
}

export interface PublishBatchOptions {
  /** the student-cache version INCRs of the write being announced, sent first (invalidateStudentsOn) */
  bumpStudents?: readonly string[];
  /** queues commands after the events, in the same write (e.g. `streams.appendOn`) */
  after?: (pipeline: ChainableCommander) => void;
}

export const socketIoKey = (config: Pick<Config, 'redis'>) => `${config.redis.prefix}socket.io`;

/**
 * Publishes to Socket.IO rooms through Redis, so the API process and the worker processes reach
 * every connected browser whichever API instance holds its socket.
 */
export class RealtimePublisher {
  private readonly emitter: Emitter;
  private readonly key: string;
  /** the per-user Server-Sent Events logs, appended through the same connection */
  readonly streams: StreamLog;

  constructor(
    config: Pick<Config, 'redis'>,
    private readonly redis: Redis,
  ) {
    this.key = socketIoKey(config);
    this.emitter = new Emitter(redis, { key: this.key });
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

  /**
   * Several events written to Redis at once (one pipeline, one socket write), each still its own
   * PUBLISH, in the order given: what a burst of small events costs is mostly the writes.
   * `bumpStudents`: the student-cache version INCRs of the write being announced, sent first in the
   * same pipeline (common/learning/student-cache-versions.ts, invalidateStudentsOn); `after`: commands
   * queued last.
   */
  publishBatch(events: ReadonlyArray<BatchedEvent>, options: PublishBatchOptions = {}): Promise<void> {
    if (events.length === 0 && !options.bumpStudents?.length && !options.after) return Promise.resolve();
    const pipeline = this.redis.pipeline();
    // the student-cache bump of the write these events announce rides ahead of them (one write, not two)
    if (options.bumpStudents?.length) void invalidateStudentsOn(this.redis, pipeline, options.bumpStudents);
    // the emitter only calls `publish` on its client: a pipeline queues it
    const emitter = new Emitter(pipeline as unknown as Redis, { key: this.key });
    for (const e of events) {
      const targets = Array.isArray(e.rooms) ? e.rooms : [e.rooms];
      if (targets.length === 0) continue;
      const operator = emitter.to(targets);
      (e.except?.length ? operator.except(e.except) : operator).emit(e.event, e.payload);
    }
    options.after?.(pipeline);
    return pipeline.exec().then(() => undefined);
  }

  /** Makes every socket in `room`, on any API process, join `toJoin` too (e.g. a student who just joined a classroom). */
  joinRooms(room: string, toJoin: string[]): void {
    this.emitter.in(room).socketsJoin(toJoin);
  }
}
