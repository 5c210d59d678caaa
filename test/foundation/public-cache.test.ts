import express from 'express';
import request from 'supertest';
import { expect } from 'chai';
import { publicCache } from '../../api/middleware/public-cache';

/** GET /page/:n answered through the cache, counting how often the handler ran. */
function cachedApp(opts: Parameters<typeof publicCache>[0]) {
  const calls = { n: 0 };
  const tiny = express();
  tiny.get('/page/:n', publicCache(opts), (req, res) => {
    calls.n++;
    res.json({ page: req.params.n, call: calls.n });
  });
  return { tiny, calls };
}

describe('Public answers kept in memory', () => {
  it('runs the handler every time when no server-side time is set', async () => {
    const { tiny, calls } = cachedApp({ maxAge: 30 });
    await request(tiny).get('/page/1').expect(200);
    const res = await request(tiny).get('/page/1').expect(200);
    expect(calls.n).to.equal(2);
    expect(res.headers['cache-control']).to.equal('public, max-age=30');
  });

  it('asks the handler again once the kept answer is older than its time', async () => {
    const { tiny, calls } = cachedApp({ maxAge: 0, serverTtlMs: 20 });
    await request(tiny).get('/page/1').expect(200);
    await new Promise((r) => setTimeout(r, 40));
    const res = await request(tiny).get('/page/1').expect(200);
    expect(res.body.call).to.equal(2);
    expect(calls.n).to.equal(2);
  });

  it('keeps at most 500 URLs, dropping the oldest first', async () => {
    const { tiny, calls } = cachedApp({ maxAge: 0, serverTtlMs: 60_000 });
    for (let i = 0; i <= 500; i++) await request(tiny).get(`/page/${i}`).expect(200);
    expect(calls.n).to.equal(501);
    await request(tiny).get('/page/500').expect(200);
    expect(calls.n, 'the newest URL is still kept').to.equal(501);
    await request(tiny).get('/page/0').expect(200);
    expect(calls.n, 'the oldest URL was dropped').to.equal(502);
  });
});
