import '../common/require-node';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Redis } from 'ioredis';
import { loadConfig } from '../common/config';
import { ALL_VERSION_KEY, studentVersionKey } from '../common/learning/student-cache-versions';

/**
 * The ceiling of bench/learning.ts: node:http doing what a cached student page costs at the least,
 * as the app serves it (api/learning/student-cache.ts): an HS256 verify, one Redis read of the two
 * version keys (an MGET), then the page's bytes held in memory with their ETag, gzipped once for a
 * client that accepts gzip. The bytes are the ones the app stored in Redis, read once per student and
 * page. No router, no middleware, no deny list, no rate limiter. Prints `READY <port>`.
 */
const config = loadConfig(process.env);
const key = crypto.createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8'));
const redis = new Redis(config.redis.url, { enableAutoPipelining: true });
const prefix = config.redis.prefix;
const opts = { algorithms: ['HS256' as const], issuer: config.auth.issuer, audience: config.auth.audience };
const pages: Record<string, string> = {
  '/api/v2/student/dashboard': 'dashboard',
  '/api/v2/tutorial/assignments': 'list:1:20:dueAt::',
};
const held = new Map<string, { etag: string; body: Buffer; gzip: Buffer }>();

async function page(sub: string, name: string) {
  const local = `${sub} ${name}`;
  const hit = held.get(local);
  const [versions, raw] = await Promise.all([
    redis.mget(`${prefix}${ALL_VERSION_KEY}`, `${prefix}${studentVersionKey(sub)}`),
    hit ? undefined : redis.hgetBuffer(`${prefix}learn:pages:${sub}`, name),
  ]);
  if (hit || versions[0] === null) return hit;
  if (!raw) return undefined;
  const a = raw.indexOf(10);
  const b = raw.indexOf(10, a + 1);
  const c = raw.indexOf(10, b + 1);
  const body = Buffer.from(raw.subarray(c + 1));
  const kept = { etag: raw.toString('latin1', b + 1, c), body, gzip: zlib.gzipSync(body) };
  held.set(local, kept);
  return kept;
}

const server = http.createServer((req, res) => {
  const name = pages[req.url ?? ''];
  const header = req.headers.authorization ?? '';
  let sub: string;
  try {
    sub = String((jwt.verify(header.slice(7), key, opts) as jwt.JwtPayload).sub);
  } catch {
    res.writeHead(401).end();
    return;
  }
  if (!name) {
    res.writeHead(404).end();
    return;
  }
  page(sub, name).then(
    (p) => {
      if (!p) return void res.writeHead(500).end('not cached by the app');
      const gzip = p.body.length >= 1024 && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const bytes = gzip ? p.gzip : p.body;
      const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length, etag: p.etag };
      res.writeHead(200, gzip ? { ...headers, 'content-encoding': 'gzip' } : headers).end(bytes);
    },
    () => res.writeHead(503).end(),
  );
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => process.exit(0));
