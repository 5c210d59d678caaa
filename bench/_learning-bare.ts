import '../common/require-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Redis } from 'ioredis';
import { loadConfig } from '../common/config';
import { ALL_VERSION_KEY, studentVersionKey } from '../common/learning/student-cache-versions';

/**
 * The ceiling of bench/learning.ts: node:http doing what a cached student page costs at the least,
 * an HS256 verify and the one pipelined Redis read (two version GETs and an HGET of the page the app
 * cached), then the stored bytes with their ETag. No router, no middleware. Prints `READY <port>`.
 */
const config = loadConfig(process.env);
const key = crypto.createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8'));
const redis = new Redis(config.redis.url);
const prefix = config.redis.prefix;
const opts = { algorithms: ['HS256' as const], issuer: config.auth.issuer, audience: config.auth.audience };
const pages: Record<string, string> = {
  '/api/v2/student/dashboard': 'dashboard',
  '/api/v2/tutorial/assignments': 'list:1:20:dueAt::',
};

const server = http.createServer((req, res) => {
  const page = pages[req.url ?? ''];
  const header = req.headers.authorization ?? '';
  let sub: string;
  try {
    sub = String((jwt.verify(header.slice(7), key, opts) as jwt.JwtPayload).sub);
  } catch {
    res.writeHead(401).end();
    return;
  }
  if (!page) {
    res.writeHead(404).end();
    return;
  }
  redis
    .pipeline()
    .get(`${prefix}${ALL_VERSION_KEY}`)
    .get(`${prefix}${studentVersionKey(sub)}`)
    .hget(`${prefix}learn:pages:${sub}`, page)
    .exec()
    .then(
      (r) => {
        const raw = r?.[2]?.[1];
        if (typeof raw !== 'string') return void res.writeHead(500).end('not cached by the app');
        const [, , etag] = raw.split('\n', 3);
        const body = raw.slice(raw.indexOf('\n', raw.indexOf('\n', raw.indexOf('\n') + 1) + 1) + 1);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag: etag! }).end(body);
      },
      () => res.writeHead(503).end(),
    );
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => process.exit(0));
