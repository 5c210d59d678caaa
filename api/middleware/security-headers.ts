import helmet, { type HelmetOptions } from 'helmet';
import type { Request, RequestHandler, Response } from 'express';
import { setHeldFixed } from '../http/head';

/**
 * What helmet sets with these options, worked out once by running it against a recording response:
 * helmet's headers are the same for every request, so a request holds this frozen list instead of
 * running helmet's dozen middlewares and their `setHeader` calls (api/http/head.ts).
 */
export function helmetHeaders(options?: HelmetOptions): readonly string[] {
  const headers: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void headers.push(name, String(value)),
    // X-Powered-By, which the app never sets (`app.disable('x-powered-by')`)
    removeHeader: () => undefined,
  };
  let failed: unknown;
  helmet(options)({} as Request, recorder as unknown as Response, (err?: unknown) => void (failed = err));
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  return Object.freeze(headers);
}

/**
 * Helmet's policy, with `upgrade-insecure-requests` only for a request that arrived over TLS
 * (directly, or through a trusted proxy's `X-Forwarded-Proto`): over plain HTTP under any name but
 * localhost the browser would rewrite the docs page's assets to https and show a blank page.
 */
export function securityHeaders(): RequestHandler {
  const secure = helmetHeaders();
  const plain = helmetHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  return (req, res, next) => {
    setHeldFixed(res, req.secure ? secure : plain);
    next();
  };
}
