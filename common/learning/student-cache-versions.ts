import crypto from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Model, ModelStatic, Transaction } from 'sequelize';
import { Assignment, Classroom, CodingSubmission, Notification, Submission, User } from '../models';

/**
 * Version keys of the per-student read cache (api/learning/student-cache.ts): a cached dashboard or
 * assignment page is tagged with `<all>.<student>`, the two counters below as they were read before
 * the query, and is served only while both are unchanged. A write INCRs the counter it affects once it
 * is committed, so a reader that raced it stored its page under a tag nobody will match again.
 *
 * - `learn:v:all`: assignments (any change), classrooms deleted, and bulk writes whose rows are unknown.
 * - `learn:v:s:<studentId>`: that student's submissions, coding verdicts, notifications and account.
 *
 * Both processes install it (common/runtime/core-deps.ts): every Sequelize write to those models is
 * seen by a hook; raw SQL writers call `invalidateStudents`/`invalidateAllStudents` themselves.
 */
export const ALL_VERSION_KEY = 'learn:v:all';
export const studentVersionKey = (studentId: string) => `learn:v:s:${studentId}`;

/**
 * Every Redis this process's API or worker runs on, with its key prefix (a test process may hold several).
 * A connection leaves when its deps close (`unwatchStudentCacheWrites`): one left behind would be sent
 * every bump of every later write, and one that lost its server would queue them without end.
 */
const targets = new Map<Redis, string>();

const BUMP_WAIT_MS = 1000;

/**
 * INCR of `all`, except that a counter Redis lost (restarted empty, flushed) starts again from a random
 * value (ARGV[1]) instead of 0: an API process keeps ready pages in memory under their tag
 * (api/learning/student-cache.ts), and counters counting again from 0 could come back to a tag it
 * holds. The reader does the same when it finds `all` missing; student counters need nothing of their
 * own, since every tag begins with `all`.
 */
const BUMP_ALL = `if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
return redis.call('INCR', KEYS[1])`;

/** one send per Redis server, database and prefix, however many connections to it this process holds */
function targetKey(redis: Redis, prefix: string): string {
  const { host, port, db, path } = redis.options;
  return `${path ?? `${host}:${port}`}/${db ?? 0}|${prefix}`;
}

async function send(keys: Set<string>, alreadySent?: string): Promise<void> {
  const sends: Promise<unknown>[] = [];
  const sent = new Set<string>(alreadySent ? [alreadySent] : []);
  for (const [redis, prefix] of targets) {
    if (redis.status === 'end') {
      targets.delete(redis);
      continue;
    }
    // not connected (lost its server, or between two attempts to reach it again: `connecting` comes
    // round every retry): the INCR would wait in the offline queue for as long as the outage lasts (in
    // a test process, for ever); the entries expire by themselves instead
    if (redis.status !== 'ready') continue;
    const key = targetKey(redis, prefix);
    if (sent.has(key)) continue;
    sent.add(key);
    const pipeline = redis.pipeline();
    for (const k of keys) {
      if (k === ALL_VERSION_KEY) pipeline.eval(BUMP_ALL, 1, `${prefix}${k}`, String(crypto.randomInt(1, 2 ** 47)));
      else pipeline.incr(`${prefix}${k}`);
    }
    // an INCR lost to a Redis outage leaves entries to expire by STUDENT_CACHE_SECONDS
    sends.push(pipeline.exec().catch(() => undefined));
  }
  await Promise.all(sends);
}

/** the keys a transaction's writes bump, sent once when it commits (a seed or an import writes thousands of rows in one) */
const pendingByTransaction = new WeakMap<Transaction, Set<string>>();

async function bump(keys: string[], transaction?: Transaction | null): Promise<void> {
  if (targets.size === 0 || keys.length === 0) return;
  if (transaction) {
    let pending = pendingByTransaction.get(transaction);
    if (!pending) {
      const created = new Set<string>();
      pending = created;
      pendingByTransaction.set(transaction, created);
      transaction.afterCommit(() => void send(created));
    }
    for (const k of keys) pending.add(k);
    return;
  }
  // awaited so the next request, on any API process, sees the change; bounded, because the worker's
  // connection queues commands while Redis is away and a write must not hang on the cache
  await Promise.race([send(new Set(keys)), new Promise((r) => setTimeout(r, BUMP_WAIT_MS).unref())]);
}

/** After a raw SQL write touching these students' submissions, coding verdicts or notifications. */
export function invalidateStudents(studentIds: readonly string[], transaction?: Transaction | null): Promise<void> {
  return bump(studentIds.map(studentVersionKey), transaction);
}

/**
 * `invalidateStudents` (after the write committed) with the INCRs for `redis`'s server queued on
 * `pipeline`, a pipeline of `redis` about to be sent, instead of a write of their own; any other
 * Redis this process bumps gets its own send. Keeps the order: the INCRs go ahead of what follows
 * them in the pipeline.
 */
export function invalidateStudentsOn(redis: Redis, pipeline: ChainableCommander, studentIds: readonly string[]): Promise<void> {
  const prefix = targets.get(redis);
  const keys = new Set(studentIds.map(studentVersionKey));
  if (prefix === undefined || redis.status !== 'ready' || keys.size === 0) return bump([...keys]);
  for (const k of keys) pipeline.incr(`${prefix}${k}`);
  return targets.size > 1 ? send(keys, targetKey(redis, prefix)) : Promise.resolve();
}

/** After a write whose students are unknown or many (a bulk update, an import, a rejudge). */
export function invalidateAllStudents(transaction?: Transaction | null): Promise<void> {
  return bump([ALL_VERSION_KEY], transaction);
}

type Options = { transaction?: Transaction | null; where?: unknown };

/** The one user a bulk `where` names (`{ userId: '…' }`), if it names exactly one. */
function oneUser(where: unknown, field: string): string | undefined {
  const value = (where as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : undefined;
}

function watch<M extends Model>(model: ModelStatic<M>, studentOf: ((row: M) => string) | undefined, bulkField?: string): void {
  const one = (row: M, options: Options) =>
    studentOf ? invalidateStudents([studentOf(row)], options.transaction) : invalidateAllStudents(options.transaction);
  const bulk = (options: Options) => {
    const id = bulkField ? oneUser(options.where, bulkField) : undefined;
    return id ? invalidateStudents([id], options.transaction) : invalidateAllStudents(options.transaction);
  };
  const hooks = model as unknown as {
    addHook(event: string, name: string, fn: (...args: never[]) => Promise<void>): void;
    removeHook(event: string, name: string): void;
  };
  const on = (event: string, fn: (...args: never[]) => Promise<void>) => {
    hooks.removeHook(event, 'student-cache');
    hooks.addHook(event, 'student-cache', fn);
  };
  on('afterCreate', (row: M, options: Options) => one(row, options));
  on('afterUpdate', (row: M, options: Options) => one(row, options));
  on('afterDestroy', (row: M, options: Options) => one(row, options));
  on('afterBulkCreate', (rows: M[], options: Options) =>
    studentOf ? invalidateStudents(rows.map(studentOf), options.transaction) : invalidateAllStudents(options.transaction),
  );
  on('afterBulkUpdate', (options: Options) => bulk(options));
  on('afterBulkDestroy', (options: Options) => bulk(options));
}

/**
 * Points the hooks at this Redis too and bumps `all` once, so pages cached before a restart
 * (when a migration or a seed may have changed rows with nobody watching) are not served again.
 */
export async function watchStudentCacheWrites(redis: Redis, prefix: string): Promise<void> {
  targets.set(redis, prefix);
  // every call: Model.init (initModels) drops a model's hooks, and named hooks replace themselves
  watch(Assignment, undefined);
  watch(Classroom, undefined);
  watch(Submission, (s) => s.studentId, 'studentId');
  watch(CodingSubmission, (s) => s.userId, 'userId');
  watch(Notification, (n) => n.userId, 'userId');
  watch(User, (u) => u.id, 'id');
  await invalidateAllStudents();
}

/** The counterpart of `watchStudentCacheWrites`, when the deps that own this connection close. */
export function unwatchStudentCacheWrites(redis: Redis): void {
  targets.delete(redis);
}
