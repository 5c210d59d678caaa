import express from 'express';
import { lazyModule } from '../../common/runtime/lazy-module';
import type { Registry } from 'prom-client';
import { ApiRouter } from '../http/router';
import { ignoreQuery } from '../http/validate';
import { sendData } from '../http/respond';
import type { ApiDeps } from '../deps';
import type { OpenApiDocument } from '../openapi/document';
import { coreReadiness, notReady } from '../../common/runtime';

/** Liveness, readiness, metrics and the API document: the routes operators and tools call. */
/** `doc` parses the OpenAPI document on its first call (api/openapi/document.ts). */
export function systemRoutes(deps: ApiDeps, doc: () => OpenApiDocument, registry: Registry): ApiRouter[] {
  const root = new ApiRouter('');
  root.get('/health', ignoreQuery, (_req, res) => {
    sendData(res, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });

  const readiness = coreReadiness(deps);
  root.get('/ready', ignoreQuery, async (_req, res) => {
    const { ready, checks } = await readiness.run();
    if (ready) return sendData(res, { status: 'ready', checks });
    res.status(503).json(notReady(checks));
  });

  root.get('/metrics', ignoreQuery, async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });

  const docs = new ApiRouter('/api/v2');
  docs.get('/openapi.json', ignoreQuery, (_req, res) => {
    res.json(doc());
  });
  // the UI's static assets are served below /docs/; the page itself is the documented route. The UI
  // package (and swagger-ui-dist's file list) is loaded on the first visit, not at start-up.
  const ui = lazyModule(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (lazy-module.ts)
    const swaggerUi = require('swagger-ui-express') as typeof import('swagger-ui-express');
    const assets = express.Router();
    assets.use(swaggerUi.serve);
    const page = swaggerUi.setup(undefined, {
      // tags start closed: Swagger UI 5 stalls rendering 150-odd OpenAPI 3.1 operations open at once
      swaggerOptions: { url: '/api/v2/openapi.json', docExpansion: 'none' },
      customSiteTitle: 'GEMA API v2',
    }) as express.RequestHandler;
    return { assets, page };
  });
  docs.router.use('/docs', (req, res, next) => ui().assets(req, res, next));
  docs.get(
    '/docs',
    ignoreQuery,
    (req, res, next) => {
      // relative asset URLs need the trailing slash
      if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, `${req.baseUrl}/docs/`);
      next();
    },
    (req, res, next) => ui().page(req, res, next),
  );
  return [root, docs];
}
