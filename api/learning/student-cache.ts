import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import etag from 'etag';
import fresh from 'fresh';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ALL_VERSION_KEY, studentVersionKey } from '../../common/learning/student-cache-versions';
import { prefetchedClaims } from '../auth/middleware';
import { writeHeldFinal } from '../http/head';
import { offerRider, withdrawRider, type CountRider } from '../middleware/rate-limit';

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
  /** a compression under way off the event loop, which every request that wants that form waits for */
  coding?: Partial<Record<Coding, Promise<Buffer>>>;
  /** its key in the memory cache while it is kept there */
  keptAs?: string;
}

/** Bytes of ready pages one API process keeps in memory unless told (STUDENT_CACHE_MEMORY_MB); the least used go first. */
export const KEPT_BYTES = 32 * 1024 * 1024;

/** As `compressJson` (api/middleware/public-cache.ts): smaller answers are sent as they are. */
const COMPRESS_FROM_BYTES = 1024;
/** brotli's quality as `compression` uses it (4: fast, close to gzip's size or better) */
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

/** The paths of the routes whose pages this cache sends, as the app-wide middlewares see them. */
const CACHED_PATHS = new Set(['/api/v2/student/dashboard', '/api/v2/tutorial/assignments']);

/** A student's version values read by the global limiter's count, waiting for the cache on the same request. */
interface HeldVersions {
  studentId: string;
  prefix: string;
  /** undefined when no limiter read them (or its count failed): the cache then reads them itself */
  values: Promise<(string | null)[] | undefined>;
}
const HELD = Symbol('gema.learning.heldVersions');
type Holding = Request & { [HELD]?: HeldVersions };

/**
 * For the global limiter's chain (api/app.ts), after the token's prefetch and before the limiter: on
 * the two cached routes, a student's request offers its two version keys to the limiter's count
 * (`CountRider`), so a page this process holds costs that one Redis command, counting the request,
 * reading the deny list and the versions at once. The values are read as the request comes in, on
 * every request, so a change made anywhere still shows on the next one. Any other path pays one Set
 * lookup; a non-student's token offers nothing (those routes refuse it anyway).
 */
export function offerStudentVersions(prefix: string): RequestHandler {
  return (req, _res, next) => {
    if (!CACHED_PATHS.has(req.path) || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const claims = prefetchedClaims(req);
    if (claims?.role !== 'student') return next();
    let settle!: (values: (string | null)[] | undefined) => void;
    const values = new Promise<(string | null)[] | undefined>((resolve) => (settle = resolve));
    // a failed count answers 503 before the cache runs; the cache would read them itself otherwise
    const rider: CountRider = { keys: versionKeys(prefix, claims.sub), resolve: settle, reject: () => settle(undefined) };
    (req as Holding)[HELD] = { studentId: claims.sub, prefix, values };
    offerRider(req, rider);
    next();
    // no limiter took them (this path not counted): the cache reads them with its own MGET
    if (withdrawRider(req, rider)) settle(undefined);
  };
}

/** The values held for this student and prefix, taken (each request reads its versions once). */
function takeHeldVersions(req: Request, studentId: string, prefix: string): HeldVersions['values'] | undefined {
  const held = (req as Holding)[HELD];
  if (!held) return undefined;
  (req as Holding)[HELD] = undefined;
  return held.studentId === studentId && held.prefix === prefix ? held.values : undefined;
}

const versionKeys = (prefix: string, studentId: string) => [`${prefix}${ALL_VERSION_KEY}`, `${prefix}${studentVersionKey(studentId)}`];

/**
 * A student's dashboard and assignment pages, read far more often than anything on them changes.
 * Each page is kept in Redis per student (a hash of page → entry) for STUDENT_CACHE_SECONDS, and as
 * the bytes that go out (with their ETag and, once a client asked for it, their gzip or brotli form)
 * in this process's memory, up to `keptBytes`. An entry is served only while the version keys it was
 * built under are unchanged (common/learning/student-cache-versions.ts) and before the next due time
 * it depends on, so a grade, a submission, a new assignment or a deadline passing shows on the very
 * next request, whichever API process or worker made the change: every request reads both keys.
 *
 * A page this process holds costs no SQL, no JSON, no hashing and no compression, and no Redis command
 * of its own when the global limiter read the versions in its count (`offerStudentVersions`), else one
 * small MGET (auto-pipelined with other requests'); a page only Redis holds comes in one more read
 * and is kept in memory from then on. Every answer carries a strong ETag: a client
 * that sends it back gets 304.
 */
export class StudentPageCache {
  /** `<studentId> <page>` → page; a Map iterates in insertion order and a hit re-inserts, so the first is the least used */
  private readonly kept = new Map<string, Page>();
  private bytes = 0;
  /** where each answer came from, and pages dropped to stay within the bound (plain counts: read at scrape time) */
  readonly counts = { memory: 0, redis: 0, built: 0, evicted: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly keptBytes = KEPT_BYTES,
    metrics?: Registry,
  ) {
    if (metrics) this.register(metrics);
  }

  /**
   * `student_page_cache_answers_total{source}` and `student_page_cache_evictions_total`, and the bytes
   * held: a memory bound smaller than the pages students read in turn shows as evictions and answers
   * from `redis` or `built` instead of `memory`.
   */
  private register(registry: Registry) {
    const counts = this.counts;
    new Counter({
      name: 'student_page_cache_answers_total',
      help: 'Student pages answered, by where the page came from: memory, redis or built (SQL)',
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        for (const source of ['memory', 'redis', 'built'] as const) this.inc({ source }, counts[source]);
      },
    });
    new Counter({
      name: 'student_page_cache_evictions_total',
      help: 'Student pages dropped from memory to stay within STUDENT_CACHE_MEMORY_MB',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(counts.evicted);
      },
    });
    const size = () => this.bytes;
    new Gauge({
      name: 'student_page_cache_bytes',
      help: 'Bytes of student pages held in this process, compressed forms included',
      registers: [registry],
      collect() {
        this.set(size());
      },
    });
  }

  /** Bytes of the pages this process holds in memory, compressed forms included. */
  get keptSize(): number {
    return this.bytes;
  }

  private key(studentId: string) {
    return `${this.prefix}learn:pages:${studentId}`;
  }

  /** Sends `page` of `studentId` from the cache, or builds, sends and keeps it. */
  async send(res: Response, studentId: string, page: string, build: () => Promise<Built>): Promise<void> {
    if (this.ttlSeconds === 0) {
      this.counts.built++;
      return this.reply(res, ready(await build(), '', 0));
    }

    const localKey = `${studentId} ${page}`;
    const mine = this.kept.get(localKey);
    // the page's own read when this process holds no copy, and the versions (read by the limiter's count
    // as the request came in, or else now): issued in the same tick, so ioredis's auto-pipelining sends
    // them in one write. A hit awaits one promise, no Promise.all, no catch chain: less to collect.
    const storedRead = mine ? undefined : this.redis.hgetBuffer(this.key(studentId), page).catch(() => null);
    let versions: (string | null)[] | undefined;
    try {
      versions = await this.versions(res.req, studentId);
    } catch {
      versions = undefined;
    }
    if (versions && versions[0] === null) this.restartVersions();
    // versions as they are now: a write committed after this point bumps them and orphans what we store
    const tag = versions && versions[0] !== null ? `${versions[0]}.${versions[1] ?? 0}` : undefined;

    const now = Date.now();
    if (mine && mine.tag === tag && mine.until > now) {
      this.kept.delete(localKey);
      this.kept.set(localKey, mine);
      this.counts.memory++;
      return this.reply(res, mine);
    }
    // held here but out of date: another process may already have stored the page as it is now
    const raw = mine ? (tag !== undefined ? await this.redis.hgetBuffer(this.key(studentId), page).catch(() => null) : undefined) : await storedRead;
    const stored = parseEntry(raw);
    if (stored && stored.tag === tag && stored.until > now) {
      this.keep(localKey, stored);
      this.counts.redis++;
      return this.reply(res, stored);
    }
    this.forget(localKey);

    const built = await build();
    this.counts.built++;
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
    return this.reply(res, fresh);
  }

  /** The two version values: those the limiter's count brought for this request, else one MGET. */
  private async versions(req: Request, studentId: string): Promise<(string | null)[]> {
    const held = takeHeldVersions(req, studentId, this.prefix);
    // without held values the MGET is issued before this function first yields, in the caller's tick
    return (held && (await held)) ?? this.redis.mget(versionKeys(this.prefix, studentId));
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
    // a page larger than the whole bound would push every other page out, then itself
    if (page.body.length > this.keptBytes) return;
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
      this.counts.evicted++;
    }
  }

  /**
   * The body in `coding`, compressed once per page (and counted against the memory bound), on libuv's
   * thread pool: brotli takes ~0.3 ms of a 14 KB page, which on the event loop every request queued
   * behind it would wait for, and after a change that reaches every student (a new assignment) each
   * student's next request compresses. Requests that want the form while it is made wait for the same one.
   */
  private compress(page: Page, coding: Coding): Promise<Buffer> {
    const under = page.coding?.[coding];
    if (under) return under;
    const made = new Promise<Buffer>((resolve, reject) => {
      const done = (err: Error | null, bytes: Buffer) => (err ? reject(err) : resolve(bytes));
      if (coding === 'gzip') zlib.gzip(page.body, done);
      else zlib.brotliCompress(page.body, BROTLI, done);
    }).then(
      (bytes) => {
        page.coded[coding] = bytes;
        if (page.coding) page.coding[coding] = undefined;
        if (page.keptAs !== undefined) {
          this.bytes += bytes.length;
          this.trim();
        }
        return bytes;
      },
      (err: unknown) => {
        if (page.coding) page.coding[coding] = undefined;
        throw err;
      },
    );
    (page.coding ??= {})[coding] = made;
    return made;
  }

  /**
   * 304 when the client's If-None-Match already names the page (the `fresh` test Express uses), else 200 with
   * the bytes, compressed as the client prefers if it accepts brotli or gzip. `compressJson` leaves an
   * answer that already has a Content-Encoding alone.
   */
  private reply(res: Response, page: Page): void | Promise<void> {
    // Express's own test (req.fresh), asked before any header is set: the ETag goes out with the head
    if (fresh(res.req.headers, { etag: page.etag })) return send(res, page, 304);
    const coding = page.body.length >= COMPRESS_FROM_BYTES ? preferredCoding(res) : undefined;
    if (!coding) return send(res, page, 200, page.body);
    const bytes = page.coded[coding];
    if (bytes) return send(res, page, 200, bytes, coding);
    // not compressed yet (a page just built or taken from Redis); a failed compression sends the body as it is
    return this.compress(page, coding).then(
      (made) => send(res, page, 200, made, coding),
      () => send(res, page, 200, page.body),
    );
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The page's answer, its body already in its final encoding: with the app's held head in one
 * `writeHead` where the head is still held (api/http/head.ts; compression would only leave such a
 * body alone), through Node's header API otherwise.
 */
function send(res: Response, page: Page, status: 200 | 304, bytes?: Buffer, coding?: Coding): void {
  const headers = ['ETag', page.etag, 'Cache-Control', 'private, no-cache', 'Vary', 'Authorization, Accept-Encoding'];
  if (bytes) {
    headers.push('Content-Type', JSON_TYPE);
    if (coding) headers.push('Content-Encoding', coding);
    headers.push('Content-Length', String(bytes.length));
  }
  if (writeHeldFinal(res, status, bytes, headers)) return;
  for (let i = 0; i < headers.length; i += 2) {
    // a Vary already set (CORS's Origin) is kept, as the held path keeps it
    const prior = headers[i] === 'Vary' ? res.getHeader('Vary') : undefined;
    res.setHeader(headers[i]!, prior ? `${String(prior)}, ${headers[i + 1]!}` : headers[i + 1]!);
  }
  res.status(status).end(bytes);
}

/**
 * `Accept-Encoding` values already worked out: a school's browsers send a handful of distinct ones
 * (`gzip, deflate, br, zstd` and the like), and negotiating each request's anew is a parse and a
 * few arrays on every hit. Bounded so that odd values cannot grow it.
 */
const codingFor = new Map<string, Coding | undefined>();
const CODINGS_REMEMBERED = 64;

/** brotli or gzip, whichever the client ranks first (`identity` when it ranks that above both: then none). */
function preferredCoding(res: Response): Coding | undefined {
  const header = res.req.headers['accept-encoding'];
  if (!header) return undefined;
  if (codingFor.has(header)) return codingFor.get(header);
  const best = res.req.acceptsEncodings('br', 'gzip', 'identity');
  const coding = best === 'br' || best === 'gzip' ? best : undefined;
  if (codingFor.size < CODINGS_REMEMBERED) codingFor.set(header, coding);
  return coding;
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
