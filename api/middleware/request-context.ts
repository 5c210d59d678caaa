import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { requestContext } from '../../common/context';
import { setHeld } from '../http/head';

const SAFE_ID = /^[\w.:-]{1,128}$/;

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

/**
 * Accepts a caller's `X-Request-Id` (when it is a sane token) or makes one, echoes it back, and
 * runs the rest of the request inside a context that puts it into every log line.
 */
export function requestContextMiddleware(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : crypto.randomUUID();
    req.id = id;
    setHeld(res, 'X-Request-Id', id);
    requestContext.run({ requestId: id }, next);
  };
}
