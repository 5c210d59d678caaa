import '../common/require-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Redis } from 'ioredis';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { createApp } from '../api/app';
import { createApiDeps } from '../api/deps';

/**
 * The server under test for bench/auth-session.ts, run as a child process so autocannon (in the
 * parent) never shares its event loop. `app`: the real app with real deps. `bare`: node:http doing
 * the same work as GET /auth/session — an HS256 verify with a KeyObject (kept in memory until the
 * token expires, as the app's verified-token cache keeps it) and one Redis GET.
 * Prints `READY <port>` once listening.
 */
async function main() {
  const mode = process.argv[2];
  const config = loadConfig(process.env);
  let server: http.Server;
  if (mode === 'app') {
    const deps = createApiDeps(config, createLogger(config, 'api'));
    await deps.sequelize.authenticate();
    server = http.createServer(createApp(deps));
  } else if (mode === 'bare') {
    const key = crypto.createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8'));
    const redis = new Redis(config.redis.url, { keyPrefix: config.redis.prefix });
    const opts = { algorithms: ['HS256' as const], issuer: config.auth.issuer, audience: config.auth.audience };
    const verified = new Map<string, jwt.JwtPayload>();
    server = http.createServer((req, res) => {
      const header = req.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      // a token verified before is taken from memory until it expires, as the app's verified-token cache does
      let claims = verified.get(token);
      if (claims === undefined || (claims.exp ?? 0) * 1000 <= Date.now()) {
        try {
          claims = jwt.verify(token, key, opts) as jwt.JwtPayload;
        } catch {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAUTHENTICATED"}}');
          return;
        }
        if (verified.size >= 5000) verified.clear();
        verified.set(token, claims);
      }
      redis.get(`auth:deny:jti:${String(claims.jti)}`).then(
        (denied) => {
          if (denied) {
            res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAUTHENTICATED"}}');
            return;
          }
          const body = JSON.stringify({
            data: {
              user: { id: claims.sub, email: claims.email, name: claims.name, role: claims.role },
              expiresAt: new Date((claims.exp ?? 0) * 1000).toISOString(),
            },
          });
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
        },
        () => res.writeHead(503).end(),
      );
    });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
