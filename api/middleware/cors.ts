import cors from 'cors';
import type { RequestHandler } from 'express';
import { isHeld, setHeld } from '../http/head';
import { passThrough } from '../http/chain';

export interface CorsOptions {
  /** the allow-list (CORS_ORIGINS); empty: no CORS headers at all */
  origins: readonly string[];
  exposedHeaders: readonly string[];
  /** seconds a browser may keep a preflight's answer */
  maxAge: number;
}

/**
 * CORS as the `cors` package answers it with `credentials: true` and an allow-list of exact origins.
 * A preflight (OPTIONS) goes to `cors` itself. An actual request gets what `cors` would set, in its
 * order: `Access-Control-Allow-Origin` when the origin is on the list, `Vary: Origin`,
 * `Access-Control-Allow-Credentials`, `Access-Control-Expose-Headers`, held with the app's other
 * headers (api/http/head.ts): `cors` sets them through `setHeader` and `vary`, which would release
 * the head of every request in a deployment with an allow-list (so the hot routes would never answer
 * in one `writeHead` there), and builds an options object and three closures per request.
 * With an empty list `cors` sets nothing, for any request, and neither does this.
 */
export function corsHeaders(opts: CorsOptions): RequestHandler {
  if (opts.origins.length === 0) return passThrough;
  const preflight = cors({ origin: [...opts.origins], credentials: true, exposedHeaders: [...opts.exposedHeaders], maxAge: opts.maxAge });
  const allowed = new Set(opts.origins);
  const exposed = opts.exposedHeaders.join(',');
  return (req, res, next) => {
    // once released (never in the app's chain as it stands), `cors` appends to whatever Vary there is
    if (req.method === 'OPTIONS' || !isHeld(res)) return preflight(req, res, next);
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) setHeld(res, 'Access-Control-Allow-Origin', origin);
    setHeld(res, 'Vary', 'Origin');
    setHeld(res, 'Access-Control-Allow-Credentials', 'true');
    if (exposed) setHeld(res, 'Access-Control-Expose-Headers', exposed);
    next();
  };
}
