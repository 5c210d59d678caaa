import {
  BaseError as SequelizeBaseError,
  ConnectionAcquireTimeoutError as SequelizeConnectionAcquireTimeoutError,
  ConnectionError as SequelizeConnectionError,
} from 'sequelize';

/** The backing services a request may need. */
export type Dependency = 'postgres' | 'redis';

/** How long a client is told to wait (`Retry-After`, seconds) while a dependency is away. */
export const DEPENDENCY_RETRY_AFTER_S = 5;

// ioredis's own words when a command cannot be sent or answered: offline queue off while the
// connection is down, `commandTimeout`, a closed client, or a command retried past its limit
const REDIS_MESSAGES = ["Stream isn't writeable and enableOfflineQueue options is false", 'Command timed out', 'Connection is closed.'];
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception) and the server going down or not up yet
const PG_UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03']);
const PG_TERMINATED = /^Connection terminated|^Client has encountered a connection error|^timeout exceeded when trying to connect/;

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  parent?: ErrorLike;
  original?: ErrorLike;
}

function isPostgresUnavailable(err: ErrorLike | undefined): boolean {
  if (!err) return false;
  const code = err.code ?? '';
  if (code.startsWith('08') || PG_UNAVAILABLE_STATES.has(code)) return true;
  return PG_TERMINATED.test(err.message ?? '') || SOCKET_CODES.has(code);
}

/**
 * Which dependency an error says is away, or undefined when it says something else (a bug, a
 * constraint, a bad query, a saturated pool). Sequelize errors are PostgreSQL's: its connection
 * errors (refused, timed out) and a query error whose cause is a lost connection or a server
 * shutting down. ioredis errors are recognised by their messages and by the name of the error a
 * command gets once its retries run out.
 */
export function unavailableDependency(err: unknown): Dependency | undefined {
  // a pool whose connections all stayed busy is a saturated process, not PostgreSQL away
  if (err instanceof SequelizeConnectionAcquireTimeoutError) return undefined;
  if (err instanceof SequelizeConnectionError) return 'postgres';
  if (err instanceof SequelizeBaseError) {
    const e = err as ErrorLike;
    return isPostgresUnavailable(e.parent) || isPostgresUnavailable(e.original) ? 'postgres' : undefined;
  }
  const e = err as ErrorLike | undefined;
  if (!e || typeof e !== 'object') return undefined;
  if (e.name === 'MaxRetriesPerRequestError') return 'redis';
  if (e.message && REDIS_MESSAGES.includes(e.message)) return 'redis';
  return undefined;
}
