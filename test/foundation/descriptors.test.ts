import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { openFilesLimit } from '../../api/system/descriptors';
import { untilDefined } from '../support/until';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'descriptor-server.ts');

/** The fixture under `prlimit --nofile=<soft>:<hard>`, with every stdout/stderr line kept. */
function startFixture(mode: 'raise' | 'serve', soft: number, hard: number): { child: ChildProcess; lines: string[] } {
  const child = spawn('prlimit', [`--nofile=${soft}:${hard}`, process.execPath, '--import', 'tsx', FIXTURE, mode], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) readline.createInterface({ input: stream }).on('line', (l) => lines.push(l));
  return { child, lines };
}

describe('file descriptors of the web process', function () {
  this.timeout(60_000);
  const children: ChildProcess[] = [];
  afterEach(() => children.splice(0).forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  it('reads the open-files limit of the process', () => {
    const limit = openFilesLimit();
    expect(limit?.soft).to.be.a('number').and.greaterThan(0);
    expect(limit!.hard).to.be.at.least(limit!.soft);
  });

  it('raises its soft open-files limit to the hard limit at start', async () => {
    const { child, lines } = startFixture('raise', 256, 4096);
    children.push(child);
    const line = await untilDefined(async () => lines.find((l) => l.startsWith('LIMIT ')));
    expect(line).to.equal('LIMIT 4096 4096');
  });

  it('out of descriptors, logs it and counts it in a metric, and serves again once descriptors are free', async () => {
    const { child, lines } = startFixture('serve', 64, 64);
    children.push(child);
    const ready = await untilDefined(async () => lines.find((l) => l.startsWith('READY ')));
    const port = Number(ready.split(' ')[1]);
    // far more connections than 64 descriptors allow: the later ones are accepted and closed at once
    const clients = await Promise.all(
      Array.from(
        { length: 120 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => resolve(s));
            s.on('error', () => resolve(s));
          }),
      ),
    );
    const logged = await untilDefined(async () => lines.find((l) => l.includes('out of file descriptors')));
    expect(JSON.parse(logged)).to.include({ code: 'EMFILE', level: 'error', openFilesLimit: 64 });
    clients.forEach((s) => s.destroy());

    // the process is still up and counts what it refused
    const metrics = await untilDefined(() =>
      fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .catch(() => undefined),
    );
    const refused = /process_fd_exhaustion_total\{cause="EMFILE"\} (\d+)/.exec(metrics);
    expect(Number(refused?.[1])).to.be.greaterThan(0);
    expect(child.exitCode).to.equal(null);
  });
});
