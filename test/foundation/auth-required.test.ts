import crypto from 'node:crypto';
import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { loadOpenApi } from '../../api/openapi/document';
import { getConfig } from '../../common/config';
import type { RouteEntry } from '../../api/http/router';
import { createUser } from '../support/factories';
import { expiredToken } from '../authz/world';

interface Operation {
  security?: Record<string, string[]>[];
}

/**
 * The document says which routes need a bearer token; this holds every served route to it: a route
 * documented with `bearerAuth` answers 401 UNAUTHENTICATED without a token, and a route documented as
 * public never does. A new route that forgets `requireAuth` fails here. Who, once signed in, may use
 * which route (and gets 403 or 404 otherwise) is the authorization matrix: test/authz/matrix.ts.
 */
describe('routes that need a token', () => {
  const doc = loadOpenApi(getConfig().rootDir);
  const routes = (): RouteEntry[] => (app().locals as { routes: RouteEntry[] }).routes;
  const needsToken = (r: RouteEntry): boolean => {
    const op = (doc.paths[r.path.replace(/:(\w+)/g, '{$1}')] as Record<string, Operation> | undefined)?.[r.method];
    const security = op?.security ?? [];
    // `[{}, { bearerAuth: [] }]`: anyone may call it, and a token, when sent, must be valid
    return security.some((s) => 'bearerAuth' in s) && !security.some((s) => Object.keys(s).length === 0);
  };
  const tokenOptional = (r: RouteEntry): boolean => {
    const op = (doc.paths[r.path.replace(/:(\w+)/g, '{$1}')] as Record<string, Operation> | undefined)?.[r.method];
    const security = op?.security ?? [];
    return security.some((s) => 'bearerAuth' in s) && security.some((s) => Object.keys(s).length === 0);
  };
  const withIds = (path: string) => path.replace(/:(\w+)/g, () => crypto.randomUUID());

  it('documents only the probes, the API document, the sign-in routes, the homepage events, the public site and signed previews as public', () => {
    expect(
      routes()
        .filter((r) => !needsToken(r))
        .map((r) => `${r.method.toUpperCase()} ${r.path}`),
    ).to.have.members([
      'GET /health',
      'GET /ready',
      'GET /metrics',
      'GET /api/v2/openapi.json',
      'GET /api/v2/docs',
      'POST /api/v2/auth/register',
      'POST /api/v2/auth/verify-email',
      'POST /api/v2/auth/verify-email/resend',
      'POST /api/v2/auth/login',
      'POST /api/v2/auth/refresh',
      'POST /api/v2/auth/password/forgot',
      'POST /api/v2/auth/password/reset',
      // the homepage's school events, shown before anyone signs in (README.md#admin-school-events-and-audit-log)
      'GET /api/v2/activities/active',
      'GET /api/v2/announcements',
      'GET /api/v2/announcements/:id',
      'GET /api/v2/gallery',
      'GET /api/v2/gallery/:id',
      'GET /api/v2/public/home',
      'GET /api/v2/public/files/:sha256/:variant',
      'POST /api/v2/contact',
      // web-lab previews load in an iframe: the signature in the path is the credential (README.md#previews)
      'GET /api/v2/web-lab/preview/:versionId/:expires/:signature',
      'GET /api/v2/web-lab/preview/:versionId/:expires/:signature/*path',
    ]);
  });

  it('answers 401 to a forged token on the routes where a token is optional', async () => {
    const forged = `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.sig`;
    const optional = routes().filter(tokenOptional);
    expect(optional).to.have.length.greaterThan(0);
    const open: string[] = [];
    for (const r of optional) {
      const res = await request(app())[r.method](withIds(r.path)).set('Authorization', forged);
      if (res.status !== 401) open.push(`${r.method.toUpperCase()} ${r.path} → ${res.status}`);
    }
    expect(open).to.deep.equal([]);
  });

  it('answers 401 without a token on every route documented with bearerAuth', async () => {
    const open: string[] = [];
    for (const r of routes().filter(needsToken)) {
      const res = await request(app())[r.method](withIds(r.path));
      if (res.status !== 401 || res.body?.error?.code !== 'UNAUTHENTICATED') open.push(`${r.method.toUpperCase()} ${r.path} → ${res.status}`);
    }
    expect(open).to.deep.equal([]);
  });

  it('answers 401 with a forged token on every route documented with bearerAuth', async () => {
    const forged = `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.sig`;
    const open: string[] = [];
    for (const r of routes().filter(needsToken)) {
      const res = await request(app())[r.method](withIds(r.path)).set('Authorization', forged);
      if (res.status !== 401) open.push(`${r.method.toUpperCase()} ${r.path} → ${res.status}`);
    }
    expect(open).to.deep.equal([]);
  });

  it('answers 401 with an expired token on every route documented with bearerAuth', async () => {
    const expired = `Bearer ${expiredToken(await createUser())}`;
    const open: string[] = [];
    for (const r of routes().filter(needsToken)) {
      const res = await request(app())[r.method](withIds(r.path)).set('Authorization', expired);
      if (res.status !== 401) open.push(`${r.method.toUpperCase()} ${r.path} → ${res.status}`);
    }
    expect(open).to.deep.equal([]);
  });

  it('never asks for a token on a route documented as public', async () => {
    const asked: string[] = [];
    for (const r of routes().filter((x) => !needsToken(x))) {
      const res = await request(app())[r.method](withIds(r.path));
      if (res.status === 401) asked.push(`${r.method.toUpperCase()} ${r.path}`);
    }
    expect(asked).to.deep.equal([]);
  });
});
