import express from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Registry } from 'prom-client';
import { ApiRouter } from '../http/router';
import { sendData } from '../http/respond';
import type { ApiDeps } from '../deps';
import type { OpenApiDocument } from '../openapi/document';

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref()),
  ]);

async function check(name: string, probe: () => Promise<unknown>): Promise<[string, string]> {
  try {
    await within(probe(), 1500, name);
    return [name, 'ok'];
  } catch (err) {
    return [name, (err as Error).message || 'unreachable'];
  }
}

/** Liveness, readiness, metrics and the API document: the routes operators and tools call. */
export function systemRoutes(deps: ApiDeps, doc: OpenApiDocument, registry: Registry): ApiRouter[] {
  const root = new ApiRouter('');
  root.get('/health', (_req, res) => {
    sendData(res, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });

  root.get('/ready', async (_req, res) => {
    const checks = Object.fromEntries(
      await Promise.all([
        check('postgres', () => deps.sequelize.query('SELECT 1')),
        check('redis', () => deps.redis.ping()),
      ]),
    );
    const failing = Object.entries(checks).filter(([, v]) => v !== 'ok');
    if (failing.length === 0) return sendData(res, { status: 'ready', checks });
    res.status(503).json({
      error: {
        code: 'NOT_READY',
        message: `Not ready: ${failing.map(([k]) => k).join(' and ')} not answering`,
        details: checks,
      },
    });
  });

  root.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });

  const docs = new ApiRouter('/api/v2');
  docs.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  // the UI's static assets are served below /docs/; the page itself is the documented route
  docs.router.use('/docs', swaggerUi.serve);
  docs.get(
    '/docs',
    (req, res, next) => {
      // relative asset URLs need the trailing slash
      if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, `${req.baseUrl}/docs/`);
      next();
    },
    swaggerUi.setup(undefined, {
      swaggerOptions: { url: '/api/v2/openapi.json' },
      customSiteTitle: 'GEMA API v2',
    }) as express.RequestHandler,
  );
  return [root, docs];
}
