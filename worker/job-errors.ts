import { UnrecoverableError } from 'bullmq';
import { AppError } from '../common/errors';

/**
 * The one place that decides which errors end a job at once. A 4xx AppError (not found, invalid,
 * conflict…) says the job's input is wrong, and trying the same input again gives the same answer,
 * so it becomes BullMQ's UnrecoverableError (no further attempts). Anything else is left as it is:
 * a 5xx AppError or an I/O error is worth another attempt with the queue's backoff.
 */
export function classifyJobError(err: unknown): unknown {
  if (err instanceof AppError && err.status >= 400 && err.status < 500) {
    const unrecoverable = new UnrecoverableError(err.message);
    unrecoverable.cause = err;
    return unrecoverable;
  }
  return err;
}

/** BullMQ's own signals that a job was moved, not failed (DelayedError, WaitingChildrenError…). */
export function isMoveSignal(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === 'DelayedError' || name === 'WaitingChildrenError' || name === 'WaitingError' || name === 'RateLimitError';
}
