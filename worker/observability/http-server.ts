import http from 'node:http';
import type { Registry } from 'prom-client';
import { notReady, type ReadinessChecks } from '../../common/runtime';

export interface WorkerHttpOptions {
  registry: Registry;
  readiness: ReadinessChecks;
  /** once the worker is stopping it is no longer ready, whatever its checks say */
  isStopping?: () => boolean;
}

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/**
 * The worker's operator port (WORKER_HTTP_PORT): `/health` (the process answers), `/ready` (every
 * registered readiness check passes, in the same shapes as the web process's probes) and `/metrics`
 * (Prometheus). Bare node:http: three read-only routes need no framework, and nothing else is served.
 */
export function createWorkerHttpServer(options: WorkerHttpOptions): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Only GET is served here' } });
      }
      if (path === '/health') return send(res, 200, { data: { status: 'ok', uptimeSeconds: Math.round(process.uptime()) } });
      if (path === '/ready') {
        const report = await options.readiness.run();
        if (options.isStopping?.()) report.checks.worker = 'shutting down';
        const ready = report.ready && !options.isStopping?.();
        return ready ? send(res, 200, { data: { status: 'ready', checks: report.checks } }) : send(res, 503, notReady(report.checks));
      }
      if (path === '/metrics') {
        const text = await options.registry.metrics();
        res.writeHead(200, { 'content-type': options.registry.contentType });
        return res.end(text);
      }
      send(res, 404, { error: { code: 'NOT_FOUND', message: `No route ${path}` } });
    })().catch((err: Error) => send(res, 500, { error: { code: 'INTERNAL', message: err.message } }));
  });
}
