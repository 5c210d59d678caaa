import crypto from 'node:crypto';
import zlib from 'node:zlib';
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

type Coding = 'br' | 'gzip';

/** A page as it goes out: its bytes, their ETag, and each compressed form once a client asked for it. */
interface Page {
  /** `<all>.<student>`: the version counters it was built under */
  tag: string;
  /** ms since the epoch after which it is not served (the TTL, or the next due time it depends on) */
  until: number;
  etag: string;
  body: Buffer;
  coded: Partial<Record<Coding, Buffer>>;
  /** its key in the memory cache while it is kept there */
  keptAs?: string;
}

/** Bytes of ready pages one API process keeps in memory (the Redis copy has no such bound); the least used go first. */
export const KEPT_BYTES = 8 * 1024 * 1024;

/** As `compressJson` (api/middleware/public-cache.ts): smaller answers are sent as they are. */
const COMPRESS_FROM_BYTES = 1024;
/** brotli's quality as `compression` uses it (4: fast, close to gzip's size or better) */
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

/**
 * A student's dashboard and assignment pages, read far more often than anything on them changes.
 * Each page is kept in Redis per student (a hash of page → entry) for STUDENT_CACHE_SECONDS, and as
 * the bytes that go out (with their ETag and, once a client asked for it, their gzip or brotli form)
 * in this process's memory, up to `keptBytes`. An entry is served only while the version keys it was
 * built under are unchanged (common/learning/student-cache-versions.ts) and before the next due time
 * it depends on, so a grade, a submission, a new assignment or a deadline passing shows on the very
 * next request, whichever API process or worker made the change: every request reads both keys.
 *
 * A page this process holds costs that one small Redis read (an MGET, auto-pipelined with other
 * requests') and no SQL, no JSON, no hashing and no compression; a page only Redis holds comes in the
 * same round trip and is kept in memory from then on. Every answer carries a strong ETag: a client
 * that sends it back gets 304.
 */
export class StudentPageCache {
  /** `<studentId> <page>` → page; a Map iterates in insertion order and a hit re-inserts, so the first is the least used */
  private readonly kept = new Map<string, Page>();
  private bytes = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly keptBytes = KEPT_BYTES,
  ) {}

  /** Bytes of the pages this process holds in memory, compressed forms included. */
  get keptSize(): number {
    return this.bytes;
  }

  private key(studentId: string) {
    return `${this.prefix}learn:pages:${studentId}`;
  }

  /** Sends `page` of `studentId` from the cache, or builds, sends and keeps it. */
  async send(res: Response, studentId: string, page: string, build: () => Promise<Built>): Promise<void> {
    if (this.ttlSeconds === 0) return this.reply(res, ready(await build(), '', 0));

    const localKey = `${studentId} ${page}`;
    const mine = this.kept.get(localKey);
    // issued in the same tick, so ioredis's auto-pipelining sends them in one write
    const read = await Promise.all([
      this.redis.mget(`${this.prefix}${ALL_VERSION_KEY}`, `${this.prefix}${studentVersionKey(studentId)}`),
      mine ? undefined : this.redis.hgetBuffer(this.key(studentId), page),
    ]).catch(() => undefined);
    const versions = read?.[0];
    if (versions && versions[0] === null) this.restartVersions();
    // versions as they are now: a write committed after this point bumps them and orphans what we store
    const tag = versions && versions[0] !== null ? `${versions[0]}.${versions[1] ?? 0}` : undefined;

    const now = Date.now();
    if (mine && mine.tag === tag && mine.until > now) {
      this.kept.delete(localKey);
      this.kept.set(localKey, mine);
      return this.reply(res, mine);
    }
    // held here but out of date: another process may already have stored the page as it is now
    const raw = mine && tag !== undefined ? await this.redis.hgetBuffer(this.key(studentId), page).catch(() => null) : read?.[1];
    const stored = parseEntry(raw);
    if (stored && stored.tag === tag && stored.until > now) {
      this.keep(localKey, stored);
      return this.reply(res, stored);
    }
    this.forget(localKey);

    const built = await build();
    const until = Math.min(Date.now() + this.ttlSeconds * 1000, built.turnsAt?.getTime() ?? Infinity);
    const fresh = ready(built, tag ?? '', until);
    if (tag !== undefined && until > Date.now()) {
      const key = this.key(studentId);
      void this.redis
        .pipeline()
        .hset(key, page, Buffer.concat([Buffer.from(`${tag}\n${until}\n${fresh.etag}\n`), fresh.body]))
        .expire(key, this.ttlSeconds)
        .exec()
        .catch(() => undefined);
      this.keep(localKey, fresh);
    }
    this.reply(res, fresh);
  }

  /**
   * The `all` counter is gone (Redis lost its data or was flushed): counted again from 0 it could
   * come back to the tag a page held in memory was built under before the loss, and serve that page
   * although rows under it changed. It restarts from a random value instead; this request goes uncached.
   */
  private restartVersions() {
    void this.redis.set(`${this.prefix}${ALL_VERSION_KEY}`, String(crypto.randomInt(1, 2 ** 47)), 'NX').catch(() => undefined);
  }

  private keep(localKey: string, page: Page) {
    this.forget(localKey);
    page.keptAs = localKey;
    this.kept.set(localKey, page);
    this.bytes += page.body.length;
    this.trim();
  }

  private forget(localKey: string) {
    const page = this.kept.get(localKey);
    if (!page) return;
    this.kept.delete(localKey);
    page.keptAs = undefined;
    this.bytes -= page.body.length + (page.coded.gzip?.length ?? 0) + (page.coded.br?.length ?? 0);
  }

  /** Drops the least used pages until the rest fit. */
  private trim() {
    for (const key of this.kept.keys()) {
      if (this.bytes <= this.keptBytes) return;
      this.forget(key);
    }
  }

  /** The body in `coding`, compressed once per page (and counted against the memory bound). */
  private coded(page: Page, coding: Coding): Buffer {
    const done = page.coded[coding];
    if (done) return done;
    const bytes = coding === 'gzip' ? zlib.gzipSync(page.body) : zlib.brotliCompressSync(page.body, BROTLI);
    page.coded[coding] = bytes;
    if (page.keptAs !== undefined) {
      this.bytes += bytes.length;
      this.trim();
    }
    return bytes;
  }

  /**
   * 304 when the client's If-None-Match already names the page (Express's `req.fresh`), else 200 with
   * the bytes, compressed as the client prefers if it accepts brotli or gzip. `compressJson` leaves an
   * answer that already has a Content-Encoding alone.
   */
  private reply(res: Response, page: Page): void {
    res.setHeader('ETag', page.etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Vary', 'Authorization, Accept-Encoding');
    const req = res.req;
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    const coding = page.body.length >= COMPRESS_FROM_BYTES && req.headers['accept-encoding'] ? preferredCoding(res) : undefined;
    const bytes = coding ? this.coded(page, coding) : page.body;
    if (coding) res.setHeader('Content-Encoding', coding);
    res.setHeader('Content-Length', bytes.length);
    res.status(200).end(bytes);
  }
}

/** brotli or gzip, whichever the client ranks first (`identity` when it ranks that above both: then none). */
function preferredCoding(res: Response): Coding | undefined {
  const best = res.req.acceptsEncodings('br', 'gzip', 'identity');
  return best === 'br' || best === 'gzip' ? best : undefined;
}

function ready(built: Built, tag: string, until: number): Page {
  const body = Buffer.from(built.body);
  return { tag, until, etag: etag(body), body, coded: {} };
}

/** `<tag>\n<until>\n<etag>\n<body>` as Redis holds it; the body is copied out of the reply's buffer. */
function parseEntry(raw: Buffer | null | undefined): Page | undefined {
  if (!raw) return undefined;
  const a = raw.indexOf(10);
  const b = raw.indexOf(10, a + 1);
  const c = raw.indexOf(10, b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  return {
    tag: raw.toString('latin1', 0, a),
    until: Number(raw.toString('latin1', a + 1, b)),
    etag: raw.toString('latin1', b + 1, c),
    body: Buffer.from(raw.subarray(c + 1)),
    coded: {},
  };
}
