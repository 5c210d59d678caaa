import '../common/require-node';
import http from 'node:http';
import { closeGracefully, listen, runProcess, waitForCoreDeps } from '../common/runtime';
import { createApp } from './app';
import { appServerOptions } from './http/chain';
import { createApiDeps, closeApiDeps } from './deps';
import { attachSocketServer } from './realtime/socket-server';
import { featureRoomAuthorizers } from './modules';
import { raiseFdLimit, watchDescriptors } from './system/descriptors';
import { schemaCurrent, tellListening } from '../common/runtime/start-gate';

/**
 * The web process: HTTP and Socket.IO on one port. On SIGTERM it stops accepting, lets in-flight
 * requests finish (up to SHUTDOWN_TIMEOUT_MS), then closes the pools and exits (common/runtime).
 */
export function startServer() {
  return runProcess('api', async ({ config, logger, onShutdown }) => {
    // every socket and SSE stream holds a descriptor: 10,000 clients need far more than 1,024
    raiseFdLimit(logger);
    const deps = createApiDeps(config, logger);
    onShutdown('close-pools', 'postgres and redis', () => closeApiDeps(deps));

    // the app is built before PostgreSQL is asked anything: under `npm start` that work overlaps the
    // supervisor's checks and migrations, and building it queries nothing (common/runtime/start-gate.ts)
    const app = createApp(deps);
    const server = http.createServer(appServerOptions(app), app);
    server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
    const descriptors = watchDescriptors(server, logger, { registry: config.metricsEnabled ? deps.metrics : undefined });
    onShutdown('close-pools', 'descriptor watch', () => descriptors.stop());
    const sockets = attachSocketServer(server, deps, featureRoomAuthorizers(deps));
    let closing: Promise<'drained' | 'forced'> | undefined;
    // open SSE streams never end by themselves: end each now with a final `shutdown` event
    onShutdown('stop-intake', 'sse streams', () => deps.streams.closeAll());
    onShutdown('stop-intake', 'http', (deadlineMs) => void (closing = closeGracefully(server, deadlineMs)));
    onShutdown('stop-intake', 'socket.io', () => sockets.close());
    onShutdown('drain', 'http requests', () => closing);

    await schemaCurrent(logger);
    await waitForCoreDeps(deps);
    const port = await listen(server, config.http.port, config.http.host);
    logger.info('api listening', { port, url: `http://localhost:${port}` });
    await tellListening(port);
    return { server, port };
  });
}

if (require.main === module) void startServer().catch(() => process.exit(1));
