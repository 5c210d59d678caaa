import http from 'node:http';
import crypto from 'node:crypto';
import { expect } from 'chai';
import { Job } from 'bullmq';
import { apiDeps, isolatedApp } from '../support/deps';
import { createUser, tokenFor, type TestUser } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { killIfRunning, startEntry, type EntryProcess } from '../support/entry-process';
import { realPdf } from '../files/fixtures';
import { submitThroughApi } from '../support/grading-fault';
import { makeTask, testCase } from '../coding-lab/helpers';
import { until } from '../support/until';
import { CodingSubmission, StoredFile } from '../../common/models';

/** A multipart upload of `file` written in two halves; `between` runs once the first half is out. */
function uploadInTwoHalves(port: number, token: string, file: Buffer, between: () => Promise<void>): Promise<{ status: number; body: string }> {
  const boundary = `----gema${crypto.randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nattachment\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="jadwal.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v2/upload',
      agent: false,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half), () => {
      between().then(
        () => req.end(body.subarray(half)),
        (err: Error) => reject(err),
      );
    });
  });
}

describe('faults: SIGTERM loses nothing', function () {
  this.timeout(90_000);

  describe('during an upload', () => {
    let api: EntryProcess | undefined;
    let user: TestUser;
    before(async () => {
      user = await createUser();
    });
    after(() => killIfRunning(api));

    it('finishes the upload it is receiving, stores the file and queues its check, then exits 0 drained', async () => {
      api = startEntry('api/server.ts');
      const { port } = await api.waitFor('api listening');
      const res = await uploadInTwoHalves(port!, tokenFor(user), realPdf(), async () => {
        // the first half is on the server: the request is in flight when the signal lands
        await new Promise((r) => setTimeout(r, 300));
        api!.child.kill('SIGTERM');
        await api!.waitFor('api shutting down');
      });
      expect(res.status).to.equal(201);
      const id = (JSON.parse(res.body) as { data: { id: string } }).data.id;
      expect(await StoredFile.findByPk(id)).to.include({ status: 'processing', ownerId: user.id });
      expect(await Job.fromId(apiDeps().queues['file-processing'], `file-${id}`)).to.not.equal(undefined);
      expect(await api.exited).to.equal(0);
      expect(api.lines.find((l) => l.message === 'api stopped')).to.include({ outcome: 'drained' });
    });
  });

  describe('during a grading', () => {
    let worker: EntryProcess | undefined;
    after(() => killIfRunning(worker));

    it('lets the running grading finish and store its grade before the worker exits 0', async () => {
      // a queue prefix of its own, so the worker process takes no other spec's job
      const env = { REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}sigterm:`, WORKER_QUEUES: 'grading', SHUTDOWN_TIMEOUT_MS: '20000' };
      const { app } = isolatedApp(env);
      const student = await createUser();
      const task = await makeTask({ languages: ['javascript'], tests: [testCase({ expected: 'done' })] });
      worker = startEntry('worker/main.ts', env);
      await worker.waitFor('worker started');
      const res = await submitThroughApi(app, student, task, 'const t = Date.now(); while (Date.now() - t < 1500) {} console.log("done")').expect(
        202,
      );
      const id = res.body.data.id as string;
      await until(async () => (await CodingSubmission.findByPk(id))!.status === 'running');
      worker.child.kill('SIGTERM');
      expect(await worker.exited).to.equal(0);
      expect(worker.lines.find((l) => l.message === 'worker stopped')).to.include({ outcome: 'drained' });
      expect(await CodingSubmission.findByPk(id)).to.include({ status: 'completed', verdict: 'accepted', starts: 1 });
    });
  });
});
