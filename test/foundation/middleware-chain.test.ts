import express from 'express';
import request from 'supertest';
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { appServerOptions, chain, enterDirectly, underPath } from '../../api/http/chain';

function serve(handlers: express.RequestHandler[], ran: string[] = []) {
  const app = express();
  app.use(chain(handlers));
  app.use((_req, res) => {
    ran.push('after');
    res.json({ ran });
  });
  app.use(((err, _req, res, _next) => {
    res.status(418).json({ error: err instanceof Error ? err.message : String(err), ran });
  }) as express.ErrorRequestHandler);
  return app;
}

const mark =
  (ran: string[], name: string): express.RequestHandler =>
  (_req, _res, next) => {
    ran.push(name);
    next();
  };

describe('middleware chain (the app-wide middlewares as one layer)', () => {
  it('runs the middlewares in order, then what follows the chain', async () => {
    const ran: string[] = [];
    const res = await request(serve([mark(ran, 'a'), mark(ran, 'b')], ran))
      .get('/x')
      .expect(200);
    expect(res.body.ran).to.deep.equal(['a', 'b', 'after']);
  });

  it('sends an error passed to next past the remaining middlewares to the error handler', async () => {
    const ran: string[] = [];
    const res = await request(serve([(_req, _res, next) => next(new Error('refused')), mark(ran, 'never')], ran))
      .get('/x')
      .expect(418);
    expect(res.body).to.deep.equal({ error: 'refused', ran: [] });
  });

  it('turns a throw into an error', async () => {
    const res = await request(
      serve([
        () => {
          throw new Error('thrown');
        },
      ]),
    )
      .get('/x')
      .expect(418);
    expect(res.body.error).to.equal('thrown');
  });

  it('turns a rejected promise into an error', async () => {
    const res = await request(serve([(async () => Promise.reject(new Error('rejected'))) as express.RequestHandler]))
      .get('/x')
      .expect(418);
    expect(res.body.error).to.equal('rejected');
  });

  it("treats next('route') as no error", async () => {
    const ran: string[] = [];
    await request(serve([(_req, _res, next) => next('route'), mark(ran, 'b')], ran))
      .get('/x')
      .expect(200);
    expect(ran).to.deep.equal(['b', 'after']);
  });

  it('lets a middleware answer and end the request', async () => {
    const ran: string[] = [];
    await request(
      serve(
        [
          (_req, res) => {
            res.status(204).end();
          },
          mark(ran, 'never'),
        ],
        ran,
      ),
    )
      .get('/x')
      .expect(204);
    expect(ran).to.deep.equal([]);
  });

  describe('underPath', () => {
    const only = (ran: string[]) => serve([underPath('/api/v2/auth', mark(ran, 'auth'))], ran);

    it('runs its middleware at the prefix and below it', async () => {
      const ran: string[] = [];
      await request(only(ran)).get('/api/v2/auth').expect(200);
      await request(only(ran)).get('/api/v2/auth/login?x=1').expect(200);
      expect(ran).to.deep.equal(['auth', 'after', 'auth', 'after']);
    });

    it('skips paths that only share the start of the prefix, or differ in case', async () => {
      const ran: string[] = [];
      await request(only(ran)).get('/api/v2/authors').expect(200);
      await request(only(ran)).get('/api/v2/Auth/login').expect(200);
      expect(ran).to.deep.equal(['after', 'after']);
    });
  });

  describe('appServerOptions (the app entry without a prototype swap)', () => {
    type Seen = Record<'req' | 'res' | 'own' | 'swapped', boolean>;
    const direct = (seen: Seen[]) => {
      const app = express();
      enterDirectly(
        app,
        [
          (req, res) => {
            const { request: appReq, response: appRes } = app as unknown as { request: object; response: object };
            seen.push({
              req: Object.prototype.isPrototypeOf.call(appReq, req),
              res: Object.prototype.isPrototypeOf.call(appRes, res),
              own: req instanceof http.IncomingMessage,
              swapped: Object.getPrototypeOf(req) === appReq,
            });
            res.json({ path: req.path, ip: typeof req.ip });
          },
        ],
        ((err, _req, res, _next) => void res.status(500).json({ error: String(err) })) as express.ErrorRequestHandler,
      );
      return app;
    };

    const get = async (server: http.Server, path: string) => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
        return { status: res.status, body: (await res.json()) as unknown };
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    };

    it("makes each request and response with the app's own prototypes, as Express's entry sets them", async () => {
      const seen: Seen[] = [];
      const app = direct(seen);
      const res = await get(http.createServer(appServerOptions(app), app), '/a/b?x=1');
      expect(res).to.deep.equal({ status: 200, body: { path: '/a/b', ip: 'string' } });
      expect(seen).to.deep.equal([{ req: true, res: true, own: true, swapped: false }]);
    });

    it('leaves a server made without them (supertest, tests) answering the same way', async () => {
      const seen: Seen[] = [];
      const app = direct(seen);
      const res = await get(http.createServer(app), '/a/b?x=1');
      expect(res).to.deep.equal({ status: 200, body: { path: '/a/b', ip: 'string' } });
      expect(seen).to.deep.equal([{ req: true, res: true, own: true, swapped: true }]);
    });

    it('refuses an app that has no direct entry', () => {
      expect(() => appServerOptions(express())).to.throw(/enterDirectly/);
    });
  });
});
