import path from 'node:path';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { expect } from 'chai';
import { TEST_ENV } from '../support/env';
import { bearer, createUser } from '../support/factories';
import { openSse } from '../support/sse';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

describe('SSE streams on SIGTERM', function () {
  this.timeout(60_000);

  it('the web process ends open streams at once with a shutdown event and stops drained, not at its deadline', async () => {
    const user = await createUser();
    // a deadline far longer than the test's timeout: only closing the streams lets the server drain
    const child = spawn(TSX, [path.join(ROOT, 'api/server.ts')], {
      env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', LOG_FORMAT: 'json', PORT: '0', SHUTDOWN_TIMEOUT_MS: '120000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines: Array<{ message?: string; port?: number; outcome?: string }> = [];
      const seen = (message: string) =>
        new Promise<{ port?: number; outcome?: string }>((resolve) => {
          const found = lines.find((l) => l.message === message);
          if (found) return resolve(found);
          rl.on('line', () => {
            const l = lines.find((x) => x.message === message);
            if (l) resolve(l);
          });
        });
      const rl = readline.createInterface({ input: child.stdout! });
      rl.on('line', (raw) => {
        try {
          lines.push(JSON.parse(raw));
        } catch {
          lines.push({ message: raw });
        }
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const { port } = await seen('api listening');
      const stream = await openSse(`http://127.0.0.1:${port}/api/v2/notifications/stream`, bearer(user));
      expect(stream.status).to.equal(200);
      const stopped = seen('api stopped');
      child.kill('SIGTERM');
      const last = await stream.next((e) => e.event === 'shutdown', 30_000);
      expect(JSON.parse(last.data)).to.deep.equal({ reconnect: true });
      await stream.ended;
      expect((await stopped).outcome).to.equal('drained');
      expect(await exited).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
