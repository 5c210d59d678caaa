import type { Response } from 'express';
import type { Redis } from 'ioredis';
import etag from 'etag';
import { ALL_VERSION_KEY, studentVersionKey } from '../../common/learning/student-cache-versions';

/** What a page costs to build: its JSON body and, if it has one, the moment its content turns by itself. */
export interface Built {
  body: string;
  /** the next due time after which a pending assignment reads `overdue` (null: nothing will turn) */
  turnsAt: Date | null;
}

/**
 * A student's dashboard and assignment pages, read far more often than anything on them changes,
 * kept in Redis per student (a hash of page → entry) for STUDENT_CACHE_SECONDS. An entry is served
 * only while the version keys it was built under are unchanged (common/learning/student-cache-versions.ts)
 * and before the next due time it depends on, so a grade, a submission, a new assignment or a
 * deadline passing shows on the very next request. A hit costs one Redis round trip (two GETs and an
 * HGET pipelined) and no SQL. Every answer carries a strong ETag: a client that sends it back gets 304.
 */
export class StudentPageCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(studentId: string) {
    return `${this.prefix}learn:pages:${studentId}`;
  }

  /** Sends `page` of `studentId` from the cache, or builds, sends and keeps it. */
  async send(res: Response, studentId: string, page: string, build: () => Promise<Built>): Promise<void> {
    if (this.ttlSeconds === 0) {
      const built = await build();
      return reply(res, built.body, etag(built.body));
    }
    const key = this.key(studentId);
    const read = await this.redis
      .pipeline()
      .get(`${this.prefix}${ALL_VERSION_KEY}`)
      .get(`${this.prefix}${studentVersionKey(studentId)}`)
      .hget(key, page)
      .exec()
      .catch(() => null);
    // versions as they are now: a write committed after this point bumps them and orphans what we store
    const tag = read ? `${String(read[0]?.[1] ?? 0)}.${String(read[1]?.[1] ?? 0)}` : undefined;
    const hit = parseEntry(read?.[2]?.[1]);
    if (hit && hit.tag === tag && hit.until > Date.now()) return reply(res, hit.body, hit.etag);

    const built = await build();
    const tagOfBody = etag(built.body);
    if (tag !== undefined) {
      const until = Math.min(Date.now() + this.ttlSeconds * 1000, built.turnsAt?.getTime() ?? Infinity);
      if (until > Date.now()) {
        void this.redis
          .pipeline()
          .hset(key, page, `${tag}\n${until}\n${tagOfBody}\n${built.body}`)
          .expire(key, this.ttlSeconds)
          .exec()
          .catch(() => undefined);
      }
    }
    reply(res, built.body, tagOfBody);
  }
}

function parseEntry(raw: unknown): { tag: string; until: number; etag: string; body: string } | undefined {
  if (typeof raw !== 'string') return undefined;
  const a = raw.indexOf('\n');
  const b = raw.indexOf('\n', a + 1);
  const c = raw.indexOf('\n', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  return { tag: raw.slice(0, a), until: Number(raw.slice(a + 1, b)), etag: raw.slice(b + 1, c), body: raw.slice(c + 1) };
}

/** 200 with the body, or 304 when the client's If-None-Match already names it (Express's `req.fresh`). */
function reply(res: Response, body: string, tag: string): void {
  res.setHeader('ETag', tag);
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Vary', 'Authorization, Accept-Encoding');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.status(200).send(body);
}
