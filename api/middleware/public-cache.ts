import type { RequestHandler } from 'express';
import compression from 'compression';
import etag from 'etag';
import { deferUntilRelease } from '../http/head';

export interface PublicCacheOptions {
  /** seconds a shared cache may keep an anonymous answer; 0: revalidate every time */
  maxAge: number;
  /**
   * milliseconds this process may answer anonymous callers from its own copy of the answer
   * (PUBLIC_CACHE_SECONDS); 0 or absent: never. Only for answers that are the same for every
   * anonymous caller and whose handler has no side effect.
   */
  serverTtlMs?: number;
}

interface Kept {
  /** bytes, so a hit is not encoded again */
  body: Buffer;
  tag: string;
  expires: number;
}

/** at most this many distinct URLs kept per route (pages × filters); the oldest go first */
const MAX_KEPT = 500;

/**
 * For public GET routes: the JSON answer gets a strong ETag of its bytes (the `etag` package Express
 * itself uses) and a Cache-Control; a request whose If-None-Match matches gets 304 with no body
 * (Express's `res.send` makes that call once the ETag header is set). Answers to a signed-in caller
 * depend on who they are, so they are `private` and never kept. With `serverTtlMs`, an anonymous
 * answer is kept in memory that long, so repeated anonymous requests cost no query at all: a page may
 * be that much staler, well within the `max-age` shared caches already allow.
 */
export function publicCache(opts: PublicCacheOptions): RequestHandler {
  const kept = new Map<string, Kept>();
  const ttl = opts.serverTtlMs ?? 0;
  const cacheControl = opts.maxAge > 0 ? `public, max-age=${opts.maxAge}` : 'public, no-cache';

  const send = (res: Parameters<RequestHandler>[1], body: string | Buffer, tag: string, control: string) => {
    res.setHeader('ETag', tag);
    res.setHeader('Vary', 'Authorization, Accept-Encoding');
    res.setHeader('Cache-Control', control);
    if (!res.get('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    return res.send(body);
  };

  return (req, res, next) => {
    const anonymous = req.headers.authorization === undefined;
    const key = req.originalUrl;
    if (anonymous && ttl > 0) {
      const hit = kept.get(key);
      if (hit && hit.expires > Date.now()) {
        res.status(200);
        send(res, hit.body, hit.tag, cacheControl);
        return;
      }
      if (hit) kept.delete(key);
    }
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode !== 200) return json(body);
      const text = JSON.stringify(body);
      const tag = etag(text);
      if (anonymous && ttl > 0) {
        if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value!);
        kept.set(key, { body: Buffer.from(text), tag, expires: Date.now() + ttl });
      }
      return send(res, text, tag, anonymous ? cacheControl : 'private, no-cache');
    };
    next();
  };
}

const COMPRESS_FROM_BYTES = 1024;
/** what `compression` adds to a JSON answer it leaves alone for its size */
const SMALL_JSON_HEADERS = Object.freeze(['Vary', 'Accept-Encoding']);

/**
 * JSON above 1 kB goes gzip or brotli when the client accepts it (`compression` negotiates). With the
 * response's head held (api/http/head.ts), `compression` wraps the response only once the head is
 * released: a JSON answer written with the held head below 1 kB skips it, carrying the `Vary` it
 * would have added, and saves its per-request wrappers and negotiation.
 */
export function compressJson(): RequestHandler {
  const compress = compression({
    threshold: COMPRESS_FROM_BYTES,
    filter: (req, res) => /^application\/json/.test(String(res.getHeader('Content-Type') ?? '')) && compression.filter(req, res),
  });
  return deferUntilRelease(compress, COMPRESS_FROM_BYTES, SMALL_JSON_HEADERS);
}
