import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { openFilesLimit, raiseFdLimit, watchDescriptors } from '../../api/system/descriptors';
import { captureLog } from '../support/log-capture';
import { untilDefined } from '../support/until';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-limits-'));

/** A file shaped like /proc/self/limits with this open-files line. */
function limitsFile(name: string, line: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `Limit                     Soft Limit           Hard Limit           Units\n${line}\n`);
  return file;
}

describe('open-files limits read and raised', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('knows no limit where there is no limits file (not Linux)', () => {
    expect(openFilesLimit(path.join(dir, 'absent'))).to.equal(undefined);
  });

  it('knows no limit when the file has no open-files line', () => {
    expect(openFilesLimit(limitsFile('no-line', 'Max processes             100                  100                  processes'))).to.equal(
      undefined,
    );
  });

  it('reads "unlimited" as an infinite limit', () => {
    const file = limitsFile('unlimited', 'Max open files            unlimited            unlimited            files');
    expect(openFilesLimit(file)).to.deep.equal({ soft: Infinity, hard: Infinity });
  });

  it('raises nothing and says nothing where the limit cannot be read', () => {
    const log = captureLog();
    expect(raiseFdLimit(log.logger, path.join(dir, 'absent'))).to.equal(undefined);
    expect(log.lines).to.deep.equal([]);
  });

  it('says nothing when the soft limit already equals a high enough hard limit', () => {
    const log = captureLog();
    const file = limitsFile('high', 'Max open files            65536                65536                files');
    expect(raiseFdLimit(log.logger, file)).to.deep.equal({ soft: 65536, hard: 65536 });
    expect(log.lines).to.deep.equal([]);
  });

  it('warns that it could not raise a soft limit to an unlimited hard one, and that the limit stays low', () => {
    const log = captureLog();
    // no process may hold an unlimited open-files limit, so prlimit refuses whoever runs it
    const file = limitsFile('refused', 'Max open files            1024                 unlimited            files');
    expect(raiseFdLimit(log.logger, file)).to.deep.equal({ soft: 1024, hard: Infinity });
    expect(log.count('could not raise the open-files limit')).to.equal(1);
    expect(log.lines.find((l) => l.message.startsWith('the open-files limit is low'))).to.include({ soft: 1024, level: 'warn' });
  });
});

describe('server errors seen by the descriptor watch', () => {
  it('leaves a listen error to the caller, uncounted', () => {
    const server = net.createServer();
    const watch = watchDescriptors(server, captureLog().logger, { limit: { soft: Infinity, hard: Infinity } });
    server.emit('error', Object.assign(new Error('in use'), { syscall: 'listen', code: 'EADDRINUSE' }));
    expect(watch.exhaustions()).to.equal(0);
    watch.stop();
  });

  it('counts every accept failure but logs a burst of them once a second', async () => {
    const registry = new Registry();
    const log = captureLog();
    const server = net.createServer();
    const watch = watchDescriptors(server, log.logger, { registry, limit: { soft: Infinity, hard: Infinity } });
    server.emit('error', Object.assign(new Error('accept failed'), { syscall: 'accept' }));
    server.emit('error', Object.assign(new Error('accept failed'), { syscall: 'accept', code: 'ENFILE' }));
    expect(watch.exhaustions()).to.equal(2);
    expect(log.count('connections could not be accepted')).to.equal(1);
    const metric = await registry.getSingleMetricAsString('process_fd_exhaustion_total');
    expect(metric).to.contain('cause="accept"} 1').and.contain('cause="ENFILE"} 1');
    watch.stop();
  });

  it('counts one exhaustion while the descriptors in use stay at the limit', async () => {
    const log = captureLog();
    const server = net.createServer();
    // a limit below what any process has open: every sample is at the limit, one episode
    const watch = watchDescriptors(server, log.logger, { everyMs: 20, limit: { soft: 1, hard: 1 } });
    await untilDefined(async () => (log.count('out of file descriptors: new connections are dropped') ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    watch.stop();
    expect(watch.exhaustions()).to.equal(1);
  });
});
