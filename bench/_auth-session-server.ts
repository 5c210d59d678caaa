import '../common/require-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Redis } from 'ioredis';
import type { Config } from '../common/config';
import { deniedBy, denyKeys } from '../common/auth/session-deny-list';
import { countHit } from '../api/middleware/rate-limit';
import { helmetHeaders } from '../api/middleware/security-headers';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { createApp } from '../api/app';
import { appServerOptions } from '../api/http/chain';
import { createApiDeps } from '../api/deps';

/**
 * The server under test for bench/auth-session.ts, run as a child process so the load generator
 * never shares its event loop. `app`: the real app with real deps. `bare`: node:http doing the same
 * work as GET /auth/session, written plainly (`bareServer`). Prints `READY <port>` once listening.
 */
async function main() {
  const mode = process.argv[2];
  const config = loadConfig(process.env);
  let server: http.Server;
  if (mode === 'app') {
    const deps = createApiDeps(config, createLogger(config, 'api'));
    await deps.sequelize.authenticate();
    const app = createApp(deps);
    // as api/server.ts makes it
    server = http.createServer(appServerOptions(app), app);
  } else if (mode === 'bare') {
    server = bareServer(config);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

/**
 * The ceiling: what GET /api/v2/auth/session must do, and nothing else, on bare node:http (README
 * "The auth-session ceiling" in bench/README.md):
 * - the bearer token's HS256 signature, algorithm, issuer, audience and expiry checked with a
 *   KeyObject, and the verified claims kept by the token's text until `exp`, as the app keeps them
 *   (api/auth/tokens.ts), with the token's three deny-list keys;
 * - one Redis command per request: the global limiter's count for the client's address and the
 *   three deny-list keys read in the same script (the app's `EVALSHA`, api/middleware/rate-limit.ts),
 *   429 past the limit, 401 for a denied token, 503 when Redis fails;
 * - the same answer: status, body and header lines (a fresh request id, helmet's headers, the two
 *   RateLimit headers, Content-Type, Content-Length, `Vary: Accept-Encoding`), in one writeHead.
 * Left to the app: routing, middleware, the access log and metrics, the request-id log context,
 * Redis's command timeout, CORS (no CORS_ORIGINS in the bench: no CORS headers either way).
 */
function bareServer(config: Config): http.Server {
  const key = crypto.createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8'));
  const redis = new Redis(config.redis.url);
  const opts = { algorithms: ['HS256' as const], issuer: config.auth.issuer, audience: config.auth.audience };
  const prefix = config.redis.prefix;
  const { windowMs, max } = config.rateLimit;
  const policy = `${max};w=${Math.ceil(windowMs / 1000)}`;
  const security = helmetHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  const unauthenticated = '{"error":{"code":"UNAUTHENTICATED","message":"A valid access token is required"}}';
  const verified = new Map<string, { claims: jwt.JwtPayload; keys: string[] }>();
  return http.createServer((req, res) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    let known = verified.get(token);
    if (known === undefined || (known.claims.exp ?? 0) <= Date.now() / 1000) {
      try {
        const claims = jwt.verify(token, key, opts) as jwt.JwtPayload;
        known = {
          claims,
          keys: [denyKeys.jti(prefix, String(claims.jti)), denyKeys.sid(prefix, String(claims.sid)), denyKeys.user(prefix, String(claims.sub))],
        };
      } catch {
        res.writeHead(401, { 'content-type': 'application/json; charset=utf-8' }).end(unauthenticated);
        return;
      }
      if (verified.size >= 5000) verified.clear();
      verified.set(token, known);
    }
    const { claims, keys } = known;
    countHit(redis, `${prefix}rl:global:${req.socket.remoteAddress ?? 'unknown'}`, windowMs, keys).then(
      ([hits, msLeft, ...values]) => {
        if (hits > max) return void res.writeHead(429, { 'retry-after': String(Math.ceil(msLeft / 1000)) }).end();
        if (deniedBy(values, claims.iat ?? 0)) {
          res.writeHead(401, { 'content-type': 'application/json; charset=utf-8' }).end(unauthenticated);
          return;
        }
        const body = JSON.stringify({
          data: {
            user: { id: claims.sub, email: claims.email as unknown, name: claims.name as unknown, role: claims.role as unknown },
            expiresAt: new Date((claims.exp ?? 0) * 1000).toISOString(),
          },
        });
        const head = ['X-Request-Id', crypto.randomUUID(), ...security];
        head.push(
          'RateLimit-Policy',
          policy,
          'RateLimit',
          `limit=${max}, remaining=${Math.max(max - hits, 0)}, reset=${Math.max(0, Math.ceil(msLeft / 1000))}`,
        );
        head.push('Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)), 'Vary', 'Accept-Encoding');
        res.writeHead(200, head).end(body);
      },
      () => res.writeHead(503).end(),
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
