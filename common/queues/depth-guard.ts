import type { Queue } from 'bullmq';
import { ServiceUnavailableError } from '../errors';

const QUEUE_RETRY_AFTER_S = 30;

/** the part of a BullMQ queue the guard reads */
type Counted = Pick<Queue, 'getJobCounts'>;

/**
 * One queue's depth reads, shared by the requests that need one at the same time: a request that
 * arrives while a read is in flight (begun before it arrived, so possibly before jobs it should count)
 * waits for the next read, which every request waiting then shares. Each request is still judged by a
 * count read after it arrived, as when each made its own; a burst of submissions makes a handful of
 * reads instead of one each (each an EVALSHA of BullMQ's, and a Redis round trip of the API's).
 */
class DepthReads {
  private inFlight?: Promise<number>;
  private next?: Promise<number>;

  constructor(private readonly queue: Counted) {}

  count(): Promise<number> {
    if (!this.inFlight) return this.start();
    const settled = () => {
      this.next = undefined;
      return this.start();
    };
    this.next ??= this.inFlight.then(settled, settled);
    return this.next;
  }

  private start(): Promise<number> {
    const read = this.queue
      .getJobCounts('waiting', 'prioritized', 'delayed')
      .then((counts) => Object.values(counts).reduce((a, b) => a + b, 0))
      .finally(() => {
        if (this.inFlight === read) this.inFlight = undefined;
      });
    this.inFlight = read;
    return read;
  }
}

const reads = new WeakMap<Counted, DepthReads>();

/**
 * Refuses new work while a queue holds more waiting jobs than configured, instead of letting it pile
 * up; also when Redis cannot say how deep it is. The refusal is a `ServiceUnavailableError` with a
 * retry hint, which the API answers as 503 + Retry-After. Requests at once share depth reads (DepthReads).
 * @param what the queue as a user would name it, e.g. "grading"
 */
export async function assertQueueHasRoom(queue: Counted, maxDepth: number, what: string): Promise<void> {
  let shared = reads.get(queue);
  if (!shared) reads.set(queue, (shared = new DepthReads(queue)));
  let waiting: number;
  try {
    waiting = await shared.count();
  } catch {
    throw new ServiceUnavailableError(`The ${what} queue is unavailable, try again shortly`, QUEUE_RETRY_AFTER_S, 'QUEUE_UNAVAILABLE');
  }
  if (waiting >= maxDepth) {
    throw new ServiceUnavailableError(`The ${what} queue is full, try again shortly`, QUEUE_RETRY_AFTER_S, 'QUEUE_FULL');
  }
}
