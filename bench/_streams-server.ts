import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { createApp } from '../api/app';
import { createApiDeps } from '../api/deps';
import { attachSocketServer } from '../api/realtime/socket-server';
import { featureRoomAuthorizers } from '../api/modules';
import { answerMemoryProbe } from './_sockets-mem';

/**
 * The server under test for bench/streams.ts, in its own process (the parent reads its RSS from
 * /proc). `app`: the real web process (Express + the SSE hub + Socket.IO with the Redis adapter).
 * `bare`: node:http holding SSE responses and writing each `POST /broadcast` body to all of them —
 * the ceiling of the same delivery with no auth, no Redis and no database. Prints `READY <port>`.
 */
async function main() {
  const mode = process.argv[2];
  let server: http.Server;
  if (mode === 'app') {
    const config = loadConfig(process.env);
    const deps = createApiDeps(config, createLogger(config, 'api'));
    await deps.sequelize.authenticate();
    server = http.createServer(createApp(deps));
    const sockets = attachSocketServer(server, deps, featureRoomAuthorizers(deps));
    answerMemoryProbe(() => sockets.io.engine.clientsCount);
  } else if (mode === 'bare') {
    const open = new Set<http.ServerResponse>();
    let id = 0;
    server = http.createServer((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
        res.write('retry: 3000\n\n');
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const frame = `id: ${++id}\nevent: chat:message\ndata: ${JSON.stringify({ body })}\n\n`;
        for (const r of open) r.write(frame);
        res.writeHead(201).end();
      });
    });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
}

// an exit of its own on the bench's SIGTERM, so a --cpu-prof profile (BENCH_SERVER_NODE_FLAGS) is written
process.once('SIGTERM', () => process.exit(0));
main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
