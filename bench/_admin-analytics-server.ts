import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { QueryTypes } from 'sequelize';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { createSequelize } from '../common/db/sequelize';
import { createApp } from '../api/app';
import { createApiDeps } from '../api/deps';
import { analyticsCacheKey, analyticsVersion } from '../common/analytics/cache-keys';
import { CLASSROOM_ANALYTICS_SQL } from '../api/admin/analytics/sql';
import { TREND_DROP_POINTS } from '../api/admin/analytics/service';

/**
 * The server under test for bench/admin-analytics.ts, in a child process so the load generator never
 * shares its event loop. `app`: the real app. `bare`: node:http doing the same work as
 * GET /admin/analytics without Express, auth or validation: `/cold` reads the version and runs the
 * same statement; `/cached` reads the version and the Redis entry. Prints `READY <port>`.
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
    const sequelize = createSequelize(config);
    const redis = new Redis(config.redis.url);
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const classroomId = url.searchParams.get('classroomId') ?? '';
      const work = async () => {
        const version = await analyticsVersion(sequelize, classroomId);
        if (url.pathname === '/cached') {
          const key = analyticsCacheKey(config.redis.prefix, classroomId, version, { from: null, to: null, n: 2, m: 5 });
          return (await redis.get(key)) ?? '{}';
        }
        const [row] = await sequelize.query(CLASSROOM_ANALYTICS_SQL, {
          bind: [classroomId, null, null, 2, 5, TREND_DROP_POINTS, new Date()],
          type: QueryTypes.SELECT,
        });
        return JSON.stringify({ data: row });
      };
      void work().then(
        (body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        },
      );
    });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
