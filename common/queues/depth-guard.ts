import type { Queue } from 'bullmq';
import { ServiceUnavailableError } from '../errors';

const QUEUE_RETRY_AFTER_S = 30;

/**
 * Refuses new work while a queue holds more waiting jobs than configured, instead of letting it pile
 * up; also when Redis cannot say how deep it is. The refusal is a `ServiceUnavailableError` with a
 * retry hint, which the API answers as 503 + Retry-After.
 * @param what the queue as a user would name it, e.g. "grading"
 */
export async function assertQueueHasRoom(queue: Queue, maxDepth: number, what: string): Promise<void> {
  let waiting: number;
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    waiting = Object.values(counts).reduce((a, b) => a + b, 0);
  } catch {
    throw new ServiceUnavailableError(`The ${what} queue is unavailable, try again shortly`, QUEUE_RETRY_AFTER_S, 'QUEUE_UNAVAILABLE');
  }
  if (waiting >= maxDepth) {
    throw new ServiceUnavailableError(`The ${what} queue is full, try again shortly`, QUEUE_RETRY_AFTER_S, 'QUEUE_FULL');
  }
}
