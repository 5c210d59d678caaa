import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { expect } from 'chai';
import { ApiRouter } from '../../api/http/router';
import { dispatchRouters } from '../../api/http/dispatch';

/** What a handler saw of the request, as the mounted router shows it. */
const echo =
  (name: string): express.RequestHandler =>
  (req, res) => {
    res.json({ name, url: req.url, baseUrl: req.baseUrl, originalUrl: req.originalUrl, path: req.path });
  };

function serve(routers: ApiRouter[], seen: string[] = []) {
  const app = express();
  app.set('case sensitive routing', true);
  app.use(dispatchRouters(routers));
  // what the middleware after the routers sees (the not-found handler, in the real app)
  app.use((req, res) => {
    seen.push(`${req.baseUrl}|${req.url}`);
    res.status(404).json({ notFound: req.path });
  });
  app.use(((err, _req, res, _next) => {
    res.status(418).json({ error: (err as Error).message });
  }) as express.ErrorRequestHandler);
  return app;
}

describe('router dispatch (one app-level layer for the feature routers)', () => {
  it('mounts the serving router as app.use would: url trimmed of the prefix, baseUrl set to it', async () => {
    // registered on the Express router itself: ApiRouter would refuse the undeclared query
    const r = new ApiRouter('/api/v2/things');
    r.router.get('/list', echo('things'));
    const res = await request(serve([r]))
      .get('/api/v2/things/list?page=2')
      .expect(200);
    expect(res.body).to.deep.equal({
      name: 'things',
      url: '/list?page=2',
      baseUrl: '/api/v2/things',
      originalUrl: '/api/v2/things/list?page=2',
      path: '/list',
    });
  });

  it("serves a router's `/` route at its prefix, with or without a trailing slash and query", async () => {
    const r = new ApiRouter('/api/v2/things');
    r.router.get('/', echo('root'));
    const app = serve([r]);
    expect((await request(app).get('/api/v2/things?x').expect(200)).body.url).to.equal('/?x');
    expect((await request(app).get('/api/v2/things/').expect(200)).body.url).to.equal('/');
  });

  it('routes by parameters as Express does', async () => {
    const r = new ApiRouter('/api/v2/things');
    r.router.get('/:id/parts', (req, res) => {
      res.json({ id: req.params.id });
    });
    const res = await request(serve([r]))
      .get('/api/v2/things/a%20b/parts')
      .expect(200);
    expect(res.body.id).to.equal('a b');
  });

  it('keeps mount order: the first router with a matching route answers', async () => {
    const app = serve([new ApiRouter('').get('/api/v2/x', echo('first')), new ApiRouter('/api/v2').get('/x', echo('second'))]);
    expect((await request(app).get('/api/v2/x').expect(200)).body.name).to.equal('first');
  });

  it('enters a router with middleware of its own for any path below its prefix', async () => {
    const r = new ApiRouter('/api/v2/locked');
    r.router.use((_req, res) => {
      res.status(401).json({ locked: true });
    });
    r.get('/open', echo('never'));
    await request(serve([r]))
      .get('/api/v2/locked/no-such-route')
      .expect(401);
  });

  it('does not enter a router for a path that only shares the start of its prefix', async () => {
    const r = new ApiRouter('/api/v2/lock');
    r.router.use((_req, res) => {
      res.status(401).json({ locked: true });
    });
    await request(serve([r]))
      .get('/api/v2/locked')
      .expect(404);
  });

  it('is case sensitive', async () => {
    await request(serve([new ApiRouter('/api/v2/things').get('/list', echo('things'))]))
      .get('/api/v2/Things/list')
      .expect(404);
  });

  it('hands on an unserved request with its url and baseUrl as they arrived', async () => {
    const seen: string[] = [];
    const app = serve(
      [new ApiRouter('/api/v2/things').get('/list', echo('things')), new ApiRouter('/api/v2/things').post('/list', echo('post'))],
      seen,
    );
    await request(app).get('/api/v2/things/other?q=1').expect(404);
    // a router entered and left (a GET on a path served only by POST) restores them too
    await request(app).put('/api/v2/things/list').expect(404);
    expect(seen).to.deep.equal(['|/api/v2/things/other?q=1', '|/api/v2/things/list']);
  });

  it("sends a router's error to the error handler, past the later routers", async () => {
    const failing = new ApiRouter('/api/v2/things').get('/list', () => {
      throw new Error('broken');
    });
    const res = await request(serve([failing, new ApiRouter('/api/v2/things').get('/list', echo('later'))]))
      .get('/api/v2/things/list')
      .expect(418);
    expect(res.body.error).to.equal('broken');
  });

  it('routes an absolute-form request target through Express’s own mounting', async () => {
    const server = serve([new ApiRouter('/api/v2/things').get('/list', echo('things'))]).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: `http://127.0.0.1:${port}/api/v2/things/list` }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(JSON.parse(body)).to.include({ name: 'things', baseUrl: '/api/v2/things', path: '/list' });
    } finally {
      server.close();
    }
  });

  describe('literal routes answered from the table', () => {
    it('answers a literal route no other route could match, mounted as the router would mount it', async () => {
      const r = new ApiRouter('/api/v2/things').get('/list', echo('things'));
      const dispatch = dispatchRouters([r]);
      expect([...dispatch.direct]).to.deep.equal(['/api/v2/things/list']);
      const res = await request(serve([r]))
        .get('/api/v2/things/list')
        .expect(200);
      expect(res.body).to.deep.equal({ name: 'things', url: '/list', baseUrl: '/api/v2/things', originalUrl: '/api/v2/things/list', path: '/list' });
    });

    it('answers HEAD from the GET route, as Express does', async () => {
      await request(serve([new ApiRouter('/api/v2/things').get('/list', echo('things'))]))
        .head('/api/v2/things/list')
        .expect(200);
    });

    it('leaves to the walk a literal path that a parameter route, or middleware, could also match', () => {
      const params = new ApiRouter('/api/v2/things');
      params.router.get('/:id', echo('param'));
      params.get('/list', echo('list'));
      const locked = new ApiRouter('/api/v2/locked');
      locked.router.use(echo('mw'));
      locked.get('/open', echo('open'));
      const docs = new ApiRouter('/api/v2');
      docs.router.use('/docs', echo('assets'));
      docs.get('/docs', echo('page'));
      docs.get('/openapi.json', echo('doc'));
      expect([...dispatchRouters([params, locked, docs]).direct]).to.deep.equal(['/api/v2/openapi.json']);
    });

    it('answers a list route directly beside its parameter route, which only matches below it', async () => {
      const r = new ApiRouter('/api/v2/things').get('/', echo('list'));
      r.router.get('/:id', echo('one'));
      expect([...dispatchRouters([r]).direct]).to.deep.equal(['/api/v2/things']);
      const app = serve([r]);
      expect((await request(app).get('/api/v2/things').expect(200)).body).to.include({ name: 'list' });
      expect((await request(app).get('/api/v2/things/').expect(200)).body).to.include({ name: 'list' });
      expect((await request(app).get('/api/v2/things/42').expect(200)).body).to.include({ name: 'one', path: '/42' });
    });

    it('sends a method the route does not serve on to the not-found handler with the url restored', async () => {
      const seen: string[] = [];
      await request(serve([new ApiRouter('/api/v2/things').get('/list', echo('things'))], seen))
        .post('/api/v2/things/list')
        .expect(404);
      expect(seen).to.deep.equal(['|/api/v2/things/list']);
    });

    it("passes a route's error to the error handler", async () => {
      const res = await request(
        serve([
          new ApiRouter('/api/v2/things').get('/list', () => {
            throw new Error('broken');
          }),
        ]),
      )
        .get('/api/v2/things/list')
        .expect(418);
      expect(res.body.error).to.equal('broken');
    });

    it('hands a request the route passes on to what follows, with its url restored', async () => {
      const seen: string[] = [];
      await request(serve([new ApiRouter('/api/v2/things').get('/list', (_req, _res, next) => next())], seen))
        .get('/api/v2/things/list')
        .expect(404);
      expect(seen).to.deep.equal(['|/api/v2/things/list']);
    });
  });

  it("lists Express's mounting of every router as its stack, for walks of the app's router tree", () => {
    const a = new ApiRouter('/api/v2/a').get('/x', echo('a'));
    const root = new ApiRouter('').get('/health', echo('h'));
    const stack = dispatchRouters([root, a]).stack;
    expect(stack.map((l) => [l.rawPath, l.handle])).to.deep.equal([
      ['/', root.router],
      ['/api/v2/a', a.router],
    ]);
  });
});
