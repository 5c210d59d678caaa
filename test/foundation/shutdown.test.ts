import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { closeGracefully } from '../../common/runtime/http-server';

function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('graceful shutdown', () => {
  it('finishes an in-flight request, then refuses new connections', async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((r) => (arrived = r));
    let finish!: () => void;
    const { server, port } = await listen((_req, res) => {
      arrived();
      finish = () => res.end('done');
    });
    const pending = get(port);
    await inFlight;
    const closing = closeGracefully(server, 5000);
    const refused = await get(port).then(
      () => false,
      (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
    );
    finish();
    expect(await pending).to.deep.equal({ status: 200, body: 'done' });
    expect(refused).to.equal(true);
    expect(await closing).to.equal('drained');
  });

  it('cuts requests that outlive the deadline', async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((r) => (arrived = r));
    const { server, port } = await listen(() => arrived());
    const pending = get(port).catch((err: Error) => err);
    await inFlight;
    expect(await closeGracefully(server, 100)).to.equal('forced');
    expect(await pending).to.be.instanceOf(Error);
  });
});
