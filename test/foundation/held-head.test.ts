import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { expect } from 'chai';
import { ApiRouter } from '../../api/http/router';
import { dispatchRouters } from '../../api/http/dispatch';
import { chain, enterDirectly } from '../../api/http/chain';
import { holdHead, installHeldHeads, isHeld, setHeld } from '../../api/http/head';
import { sendData } from '../../api/http/respond';
import { requestContextMiddleware } from '../../api/middleware/request-context';
import { helmetHeaders, securityHeaders } from '../../api/middleware/security-headers';
import { compressJson } from '../../api/middleware/public-cache';
import { corsHeaders } from '../../api/middleware/cors';
import cors from 'cors';

/**
 * The app's front as api/app.ts builds it, with a rate-limit-like header held by a middleware:
 * literal routes under `/api/v2/things` are called straight from the dispatcher's table (their head
 * stays held), `/api/v2/other/:id` goes through its router (released on the way in).
 */
let routedHeld: boolean | undefined;

function serve(routes: (r: ApiRouter) => void, corsOrigins: string[] = []) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  installHeldHeads(app.response);
  const r = new ApiRouter('/api/v2/things');
  routes(r);
  const other = new ApiRouter('/api/v2/other');
  // registered on the Express router itself: ApiRouter would want a params schema
  other.router.get('/:id', (_req, res) => {
    routedHeld = isHeld(res);
    res.json({ data: small });
  });
  enterDirectly(
    app,
    [
      chain([
        holdHead,
        requestContextMiddleware(),
        securityHeaders(),
        corsHeaders({ origins: corsOrigins, exposedHeaders: ['X-Request-Id', 'RateLimit'], maxAge: 600 }),
        compressJson(),
        (_req, res, next) => {
          setHeld(res, 'RateLimit', 'limit=10, remaining=9, reset=60');
          next();
        },
      ]),
      dispatchRouters([r, other]),
      (_req, res) => void res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND' } }),
    ],
    ((err: Error, _req, res, _next) => void res.status(418).json({ error: { code: 'TEAPOT', message: err.message } })) as express.ErrorRequestHandler,
  );
  return { app, direct: dispatchRouters([r, other]).direct };
}

const small = { id: 'x', name: 'small' };
const big = { items: Array.from({ length: 100 }, (_, i) => ({ i, text: 'some text to make it long' })) };

/** The headers of an answer as the wire carried them, in order, without the ones that change per request. */
const stable = (answer: request.Response) => {
  const raw = (answer as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!['X-Request-Id', 'Date', 'Content-Length'].includes(raw[i]!)) out.push(`${raw[i]}: ${raw[i + 1]}`);
  return out;
};

describe('held response head (api/http/head.ts)', () => {
  const routes = (r: ApiRouter) => r.get('/small', (_req, res) => sendData(res, small)).get('/big', (_req, res) => sendData(res, big));

  it('is used only by the literal routes the dispatcher calls directly', () => {
    expect([...serve(routes).direct].sort()).to.deep.equal(['/api/v2/things/big', '/api/v2/things/small']);
  });

  it('keeps the head held into a direct route, and releases it before a routed one', async () => {
    const seen: Record<string, boolean> = {};
    const { app } = serve((r) =>
      r.get('/small', (_req, res) => {
        seen.direct = isHeld(res);
        sendData(res, small);
      }),
    );
    await request(app).get('/api/v2/things/small').expect(200);
    await request(app).get('/api/v2/other/abc').expect(200);
    expect(seen.direct).to.equal(true);
    expect(routedHeld).to.equal(false);
  });

  it('sends the same headers, in the same order, as the answer through Express (`res.json`) on a routed path', async () => {
    const { app } = serve(routes);
    const held = await request(app).get('/api/v2/things/small').expect(200);
    const routed = await request(app).get('/api/v2/other/abc').expect(200);
    expect(held.text).to.equal(routed.text);
    expect(stable(held)).to.deep.equal(stable(routed));
    expect(stable(held)).to.include.members([
      'Content-Type: application/json; charset=utf-8',
      'Vary: Accept-Encoding',
      'RateLimit: limit=10, remaining=9, reset=60',
      'X-Frame-Options: SAMEORIGIN',
    ]);
    expect(held.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    expect(held.headers['content-length']).to.equal(String(Buffer.byteLength(held.text)));
  });

  for (const origin of ['https://gema.sch.id', 'https://evil.example', undefined]) {
    it(`sends the CORS headers the cors package sends, in one Vary line, with an allow-list (Origin: ${origin ?? 'none'})`, async () => {
      const { app } = serve(routes, ['https://gema.sch.id']);
      const withCors = express();
      withCors.disable('x-powered-by');
      withCors.use(cors({ origin: ['https://gema.sch.id'], credentials: true, exposedHeaders: ['X-Request-Id', 'RateLimit'], maxAge: 600 }));
      withCors.get('/', (_req, res) => void res.json({ data: small }));
      const held = await request(app)
        .get('/api/v2/things/small')
        .set(origin ? { Origin: origin } : {})
        .expect(200);
      const fromPackage = await request(withCors)
        .get('/')
        .set(origin ? { Origin: origin } : {})
        .expect(200);
      const corsOnly = (answer: request.Response) => stable(answer).filter((h) => /^(Access-Control|Vary)/.test(h));
      expect(corsOnly(held)).to.deep.equal(corsOnly(fromPackage).map((h) => (h === 'Vary: Origin' ? 'Vary: Origin, Accept-Encoding' : h)));
      expect(held.headers['x-frame-options']).to.equal('SAMEORIGIN');
    });
  }

  it('answers a preflight through the cors package', async () => {
    const { app } = serve(routes, ['https://gema.sch.id']);
    const res = await request(app)
      .options('/api/v2/things/small')
      .set('Origin', 'https://gema.sch.id')
      .set('Access-Control-Request-Method', 'GET')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).to.equal('https://gema.sch.id');
    expect(res.headers['access-control-max-age']).to.equal('600');
  });

  it('carries exactly the headers helmet sets, worked out once', async () => {
    const plain = express();
    plain.disable('x-powered-by');
    plain.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
    plain.get('/', (_req, res) => void res.end());
    const fromHelmet = stable(await request(plain).get('/')).filter((h) => !/^(Connection|Keep-Alive|Transfer-Encoding)/.test(h));
    const fixed = helmetHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
    const listed: string[] = [];
    for (let i = 0; i < fixed.length; i += 2) listed.push(`${fixed[i]}: ${fixed[i + 1]}`);
    expect(listed).to.deep.equal(fromHelmet);
    expect(Object.isFrozen(fixed)).to.equal(true);
  });

  it('lets a direct route remove or replace a held header (the release puts them into Node first)', async () => {
    const { app } = serve((r) =>
      r.get('/small', (_req, res) => {
        res.removeHeader('X-Frame-Options');
        res.setHeader('Content-Security-Policy', 'sandbox');
        sendData(res, small);
      }),
    );
    const res = await request(app).get('/api/v2/things/small').expect(200);
    expect(res.headers['x-frame-options']).to.equal(undefined);
    expect(res.headers['content-security-policy']).to.equal('sandbox');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['ratelimit']).to.equal('limit=10, remaining=9, reset=60');
  });

  it('compresses a long JSON answer of a direct route for a client that accepts it, as before', async () => {
    const { app } = serve(routes);
    const res = await request(app).get('/api/v2/things/big').set('Accept-Encoding', 'gzip').expect(200);
    expect(res.headers['content-encoding']).to.equal('gzip');
    expect(res.headers['vary']).to.equal('Accept-Encoding');
    expect(res.headers['x-frame-options']).to.equal('SAMEORIGIN');
    expect(res.body).to.deep.equal({ data: big });
  });

  it('leaves a short JSON answer uncompressed, with Vary: Accept-Encoding as compression would', async () => {
    const { app } = serve(routes);
    const res = await request(app).get('/api/v2/things/small').set('Accept-Encoding', 'gzip').expect(200);
    expect(res.headers['content-encoding']).to.equal(undefined);
    expect(res.headers['vary']).to.equal('Accept-Encoding');
    expect(res.body).to.deep.equal({ data: small });
  });

  it('answers HEAD on a direct route with the headers and no body', async () => {
    const { app } = serve(routes);
    const res = await request(app).head('/api/v2/things/small').expect(200);
    expect(res.text).to.equal(undefined);
    expect(res.headers['content-length']).to.equal(String(JSON.stringify({ data: small }).length));
    expect(res.headers['x-frame-options']).to.equal('SAMEORIGIN');
  });

  it('gives an error of a direct route (thrown or rejected) to the error handler, with the held headers', async () => {
    const { app } = serve((r) =>
      r
        .get('/small', () => {
          throw new Error('thrown');
        })
        .get('/big', () => Promise.reject(new Error('rejected'))),
    );
    const thrown = await request(app).get('/api/v2/things/small').expect(418);
    expect(thrown.body.error.message).to.equal('thrown');
    expect(thrown.headers['ratelimit']).to.equal('limit=10, remaining=9, reset=60');
    expect(thrown.headers['x-frame-options']).to.equal('SAMEORIGIN');
    expect((await request(app).get('/api/v2/things/big').expect(418)).body.error.message).to.equal('rejected');
  });

  it("treats next('route') on a direct route as no answer: not found", async () => {
    const { app } = serve((r) => r.get('/small', (_req, _res, next) => next('route')));
    await request(app).get('/api/v2/things/small').expect(404);
  });

  it('ends the response with an empty 404 when nothing answers, as Express’s final handler would', async () => {
    const app = express();
    installHeldHeads(app.response);
    enterDirectly(app, [holdHead, (_req, _res, next) => next()], ((err: Error, _req, _res, next) => next(err)) as express.ErrorRequestHandler);
    const res = await request(app).get('/nothing').expect(404);
    expect(res.text).to.equal('');
  });
});
