import type { RequestHandler } from 'express';
import compression from 'compression';
import etag from 'etag';

export interface PublicCacheOptions {
  /** seconds a shared cache may keep an anonymous answer; 0: revalidate every time */
  maxAge: number;
}

/**
 * For public GET routes: the JSON answer gets a strong ETag of its bytes (the `etag` package
 * Express itself uses) and a Cache-Control; a request whose If-None-Match matches gets 304 with
 * no body (Express's `res.send` makes that call itself once the ETag header is set). Answers to a
 * signed-in caller depend on who they are, so they are `private`.
 */
export function publicCache(opts: PublicCacheOptions): RequestHandler {
  return (req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode === 200) {
        const text = JSON.stringify(body);
        res.setHeader('ETag', etag(text));
        res.setHeader('Vary', 'Authorization, Accept-Encoding');
        res.setHeader(
          'Cache-Control',
          req.headers.authorization !== undefined
            ? 'private, no-cache'
            : opts.maxAge > 0
              ? `public, max-age=${opts.maxAge}`
              : 'public, no-cache',
        );
        if (!res.get('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
        return res.send(text);
      }
      return json(body);
    };
    next();
  };
}

/** JSON above 1 kB goes gzip or brotli when the client accepts it (`compression` negotiates). */
export function compressJson(): RequestHandler {
  return compression({
    threshold: 1024,
    filter: (req, res) => /^application\/json/.test(String(res.getHeader('Content-Type') ?? '')) && compression.filter(req, res),
  });
}
