import { expect } from 'chai';
import { app } from '../support/deps';
import { loadOpenApi } from '../../api/openapi/document';
import { getConfig } from '../../common/config';

interface Layer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Every method + path the Express app really serves, found by walking its router tree. An Express
 * application used as a handler has no `stack` and is not walked: that is how bull-board, at
 * /api/v2/admin/queues, stays outside the document (README.md#admin-queue-dashboard); the last test
 * here holds it to that.
 */
function servedRoutes(stack: Layer[], prefix = ''): string[] {
  const found: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const path = `${prefix}${layer.route.path === '/' && prefix ? '' : layer.route.path}`;
      for (const m of Object.keys(layer.route.methods)) if (METHODS.includes(m)) found.push(`${m.toUpperCase()} ${path}`);
    } else if (layer.handle?.stack) {
      const mount = layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : '';
      found.push(...servedRoutes(layer.handle.stack, `${prefix}${mount}`));
    }
  }
  return found;
}

const toOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

describe('OpenAPI document', () => {
  const doc = loadOpenApi(getConfig().rootDir);
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => METHODS.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
  const served = () => {
    const router = (app() as unknown as { router: { stack: Layer[] } }).router;
    return servedRoutes(router.stack).map((r) => {
      const [method, path] = r.split(' ');
      return `${method} ${toOpenApiPath(path!)}`;
    });
  };

  it('documents every route the app serves', () => {
    const missing = served().filter((r) => !documented.includes(r));
    expect(missing, 'routes missing from docs/openapi').to.deep.equal([]);
  });

  it('has no operation the app does not serve', () => {
    const routes = served();
    const stale = documented.filter((r) => !routes.includes(r));
    expect(stale, 'documented but not served').to.deep.equal([]);
  });

  it('agrees with the routes the routers registered', () => {
    const registered = app().locals.routes.map((r) => `${r.method.toUpperCase()} ${toOpenApiPath(r.path)}`);
    expect([...registered].sort()).to.deep.equal([...served()].sort());
  });

  it('describes responses for every operation, and a 401 for every authenticated one', () => {
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!METHODS.includes(method)) continue;
        const operation = op as { responses?: Record<string, unknown>; security?: unknown[] };
        if (!operation.responses || Object.keys(operation.responses).length === 0) problems.push(`${method} ${path}: no responses`);
        if (operation.security?.length && !operation.responses?.['401']) problems.push(`${method} ${path}: no 401`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('leaves out only bull-board, built on the first admin visit behind its cookie guard at /api/v2/admin/queues', () => {
    const underBoard = served().filter((r) => r.split(' ')[1]!.startsWith('/api/v2/admin/queues'));
    expect(underBoard, 'only the documented session route is walked').to.deep.equal(['POST /api/v2/admin/queues/session']);
    // an Express application used as a handler: its routes live in its own router, which the walk does not enter
    const router = (app() as unknown as { router: { stack: Layer[] } }).router;
    const subApps = router.stack
      .flatMap((l) => l.handle?.stack ?? [])
      .filter((l) => typeof (l.handle as { set?: unknown } | undefined)?.set === 'function');
    // bull-board's sub-app is built on the first request past the guard (common/runtime/lazy-module.ts)
    expect(subApps, 'no sub-app mounted at start-up').to.have.length(0);
  });
});
