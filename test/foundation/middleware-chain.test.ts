import express from 'express';
import request from 'supertest';
import { expect } from 'chai';
import { chain, underPath } from '../../api/http/chain';

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
});
