import type { Request, RequestHandler, Response } from 'express';

/**
 * Response headers held by the app-wide middlewares (request id, security headers, rate limit) until
 * the answer is written, so a route that answers through `writeHeld` (api/http/respond.ts) sends
 * them in one `writeHead(status, [name, value, …])`: Node then writes them as they are, where each
 * `setHeader` (and the app-wide ones are ~17) costs a lowercased name, a `[name, value]` pair and a
 * slot in a growing dictionary, and Express's `res.json`/`res.send` add their own header work on top
 * (~9 KB of the ~35 KB `GET /api/v2/auth/session` allocated, bench/README.md).
 *
 * Nothing else changes: the first use of Node's header API on the response (`setHeader`,
 * `getHeader`, `removeHeader`, `writeHead`, `write`, `end`, …) releases the held headers into it
 * first (`installHeldHeads` on the app's response prototype), so a route that replaces or removes a
 * security header, Express's `res.json`, the error handler and every middleware see the same headers
 * as before, in the same order. A middleware that wraps the response (compression) is installed by
 * the release too (`deferUntilRelease`). The dispatcher releases before entering any router, so only
 * the routes its table calls directly (api/http/dispatch.ts) run with a held head.
 */
const HELD = Symbol('gema.http.heldHead');

interface Held {
  req: Request;
  /** the headers every answer carries (flat `[name, value, …]`, frozen, shared by every request) */
  fixed: readonly string[];
  /** how many `own` entries were held before `fixed`: the order they go out in */
  fixedAt: number;
  /** this request's own headers, flat, in the order held; a name held again replaces its value */
  own: string[];
  /** wraps the response when the head is released (compression); a held answer shorter than `deferredBelow` never needs it */
  deferred: RequestHandler | undefined;
  deferredBelow: number;
  /** what a held answer carries in the deferred middleware's stead (compression's `Vary: Accept-Encoding`) */
  deferredHeaders: readonly string[];
}

type HeldResponse = Response & { [HELD]?: Held };

const NONE: readonly string[] = Object.freeze([]);
const noop = (): void => undefined;

/** The app chain's first middleware: from here on the response's app-wide headers are held. */
export const holdHead: RequestHandler = (req, res, next) => {
  (res as HeldResponse)[HELD] = { req, fixed: NONE, fixedAt: 0, own: [], deferred: undefined, deferredBelow: 0, deferredHeaders: NONE };
  next();
};

export function isHeld(res: Response): boolean {
  return (res as HeldResponse)[HELD] !== undefined;
}

/** `res.setHeader(name, value)`, held while the head is (same casing for the same header, as every caller here uses). */
export function setHeld(res: Response, name: string, value: string): void {
  const held = (res as HeldResponse)[HELD];
  if (held === undefined) {
    if (!res.headersSent) res.setHeader(name, value);
    return;
  }
  const own = held.own;
  for (let i = 0; i < own.length; i += 2) {
    if (own[i] === name) {
      own[i + 1] = value;
      return;
    }
  }
  own.push(name, value);
}

/** The headers every answer carries (flat `[name, value, …]`, frozen): held as one reference, not copied. */
export function setHeldFixed(res: Response, fixed: readonly string[]): void {
  const held = (res as HeldResponse)[HELD];
  if (held === undefined) {
    for (let i = 0; i < fixed.length; i += 2) res.setHeader(fixed[i]!, fixed[i + 1]!);
    return;
  }
  held.fixed = fixed;
  held.fixedAt = held.own.length;
}

/**
 * Runs `middleware` (which wraps the response, like compression) only when the head is released; a
 * held answer shorter than `below` bytes is written without it, carrying `headers` in its stead
 * (what the middleware would have added to such an answer). Without a held head it runs at once.
 */
export function deferUntilRelease(middleware: RequestHandler, below: number, headers: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const held = (res as HeldResponse)[HELD];
    if (held === undefined) return middleware(req, res, next);
    held.deferred = middleware;
    held.deferredBelow = below;
    held.deferredHeaders = headers;
    next();
  };
}

function flat(held: Held, extra: readonly string[], more: readonly string[]): string[] {
  const { own, fixed, fixedAt } = held;
  const out = new Array<string>(own.length + fixed.length + extra.length + more.length);
  let at = 0;
  for (let i = 0; i < fixedAt; i++) out[at++] = own[i]!;
  for (let i = 0; i < fixed.length; i++) out[at++] = fixed[i]!;
  for (let i = fixedAt; i < own.length; i++) out[at++] = own[i]!;
  for (let i = 0; i < extra.length; i++) out[at++] = extra[i]!;
  for (let i = 0; i < more.length; i++) out[at++] = more[i]!;
  return out;
}

/** Puts the held headers into Node's header API and installs what waited for it; a no-op once released. */
export function releaseHead(res: Response): void {
  const held = (res as HeldResponse)[HELD];
  if (held === undefined) return;
  (res as HeldResponse)[HELD] = undefined;
  const headers = flat(held, NONE, NONE);
  for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
  if (held.deferred) {
    // a pipe into the response may already listen for 'drain': it must go through the wrapper now
    const draining = res.listeners('drain') as ((...args: unknown[]) => void)[];
    for (const l of draining) res.removeListener('drain', l);
    held.deferred(held.req, res, noop);
    for (const l of draining) res.on('drain', l);
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The deferred middleware's stand-in headers, a `Vary` among them added to a held one (`Vary:
 * Origin, Accept-Encoding`, as `vary` would append it), so the answer carries one line per header.
 */
function merged(own: string[], deferred: readonly string[]): readonly string[] {
  let vary = -1;
  for (let i = 0; i < own.length && vary < 0; i += 2) if (own[i] === 'Vary') vary = i;
  if (vary < 0) return deferred;
  const rest: string[] = [];
  for (let d = 0; d < deferred.length; d += 2) {
    if (deferred[d] === 'Vary') own[vary + 1] = `${own[vary + 1]}, ${deferred[d + 1]}`;
    else rest.push(deferred[d]!, deferred[d + 1]!);
  }
  return rest;
}

/**
 * Writes a whole JSON answer with the held head in one `writeHead`: the held headers, Content-Type,
 * Content-Length, then `headers` (flat, e.g. an ETag). False, having written nothing, when the head
 * was released (the caller then answers through Express), or when the body is long enough for the
 * deferred middleware (compression) to want it, in which case the head is released first.
 */
export function writeHeldJson(res: Response, status: number, body: string | Buffer, headers: readonly string[] = NONE): boolean {
  const held = (res as HeldResponse)[HELD];
  if (held === undefined) return false;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (held.deferred && length >= held.deferredBelow) {
    releaseHead(res);
    return false;
  }
  (res as HeldResponse)[HELD] = undefined;
  const own = ['Content-Type', JSON_TYPE, 'Content-Length', String(length)];
  for (let i = 0; i < headers.length; i++) own.push(headers[i]!);
  res.writeHead(status, flat(held, own, held.deferred ? merged(held.own, held.deferredHeaders) : NONE));
  res.end(body);
  return true;
}

/**
 * Writes an answer whose body is already final (compressed, or deliberately not: a cached page's
 * stored bytes) with the held head in one `writeHead`: the held headers, then `headers` (flat; a
 * `Vary` among them joins a held one, so `Vary: Origin` from CORS is kept). The deferred middleware
 * (compression) never runs: it would only have left such a body alone. `body` undefined: a head-only
 * answer (304). False, having written nothing, when the head was already released.
 */
export function writeHeldFinal(res: Response, status: number, body: Buffer | undefined, headers: readonly string[]): boolean {
  const held = (res as HeldResponse)[HELD];
  if (held === undefined) return false;
  (res as HeldResponse)[HELD] = undefined;
  res.writeHead(status, flat(held, NONE, merged(held.own, headers)));
  res.end(body);
  return true;
}

const RELEASING = [
  'setHeader',
  'setHeaders',
  'appendHeader',
  'getHeader',
  'getHeaders',
  'getHeaderNames',
  'getRawHeaderNames',
  'hasHeader',
  'removeHeader',
  'writeHead',
  'flushHeaders',
  'write',
  'end',
] as const;

type Method = (this: Response, a?: unknown, b?: unknown, c?: unknown) => unknown;

/**
 * Makes every response of the app release its held head before Node's header API or a write is
 * used: on the app's own response prototype (`app.response`), so nothing outside the app changes.
 * After the release the call goes to the response again, so a wrapper the release installed (an own
 * property, like compression's `res.end`) comes first.
 */
export function installHeldHeads(proto: object): void {
  for (const name of RELEASING) {
    const base = (proto as Record<string, Method>)[name];
    if (typeof base !== 'function') throw new Error(`response has no ${name}`);
    const releasing: Method = function (this: Response, a, b, c) {
      if ((this as HeldResponse)[HELD] !== undefined) {
        releaseHead(this);
        return (this as unknown as Record<string, Method>)[name]!.call(this, a, b, c);
      }
      return base.call(this, a, b, c);
    };
    Object.defineProperty(proto, name, { value: releasing, writable: true, configurable: true, enumerable: false });
  }
}
