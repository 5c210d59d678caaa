import http from 'node:http';
import { getConfigOrExit } from '../common/config';
import { createLogger } from '../common/logger';
import { waitForRedis } from '../common/redis';
import { createApp } from './app';
import { createApiDeps, closeApiDeps } from './deps';
import { attachSocketServer } from './realtime/socket-server';
import { closeGracefully } from './http/shutdown';
import { featureRoomAuthorizers } from './modules';

/**
 * The web process: HTTP and Socket.IO on one port. On SIGTERM it stops accepting, lets in-flight
 * requests finish (up to SHUTDOWN_TIMEOUT_MS), then closes the pools and exits.
 */
export async function startServer() {
  const config = getConfigOrExit();
  const logger = createLogger(config, 'api');
  const deps = createApiDeps(config, logger);
  await Promise.all([deps.sequelize.authenticate(), waitForRedis(deps.redis, 10_000)]);

  const app = createApp(deps);
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  const sockets = attachSocketServer(server, deps, featureRoomAuthorizers(deps));

  await new Promise<void>((resolve) => server.listen(config.http.port, config.http.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info('api listening', { port, url: `http://localhost:${port}` });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('api shutting down', { signal });
    // open SSE streams never end by themselves: end them now, each with a final `shutdown` event
    deps.streams.closeAll();
    const closing = closeGracefully(server, config.http.shutdownTimeoutMs);
    await sockets.close();
    const outcome = await closing;
    await closeApiDeps(deps);
    logger.info('api stopped', { outcome });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return { server, port, stop };
}

if (require.main === module) {
  startServer().catch((err: unknown) => {
    process.stderr.write(`api failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
