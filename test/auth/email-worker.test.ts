import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import crypto from 'node:crypto';
import winston from 'winston';
import { expect } from 'chai';
import request from 'supertest';
import type { Job, Worker } from 'bullmq';
import { app, apiDeps, testConfig } from '../support/deps';
import { createUser } from '../support/factories';
import { startTestSmtp, startEmailWorker, stopWorker, type TestSmtp } from '../support/smtp';
import { startWorkerHttp } from '../support/worker-http';
import { enqueue, type EmailJob } from '../../common/queues';
import { createLogger } from '../../common/logger';
import { createWorkerDeps, closeWorkerDeps } from '../../worker/deps';
import { startQueueWorker } from '../../worker/queue-worker';
import { emailProcessor } from '../../worker/email/processor';

async function settled(id: string, ms = 15_000): Promise<{ state: string; job: Job<EmailJob> }> {
  const queue = apiDeps().queues.email;
  for (let waited = 0; waited < ms; waited += 25) {
    const job = (await queue.getJob(id)) as Job<EmailJob> | undefined;
    const state = job ? await job.getState() : 'missing';
    // the state flips a moment before the job's record gets its final fields
    if (job?.finishedOn && (state === 'completed' || state === 'failed')) return { state, job };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish within ${ms} ms`);
}

describe('email worker', () => {
  it('puts no token in the job: the payload names only the template and the user', async () => {
    const email = `payload.${crypto.randomBytes(4).toString('hex')}@sekolah.test`;
    const res = await request(app()).post('/api/v2/auth/register').send({ name: 'P', email, password: 'a-good-password' }).expect(201);
    const jobs = await apiDeps().queues.email.getJobs(['waiting', 'delayed', 'active', 'completed']);
    const mine = jobs.filter((j) => j.data.userId === res.body.data.user.id);
    expect(mine.map((j) => j.data)).to.deep.equal([{ template: 'verify-email', userId: res.body.data.user.id }]);
  });

  describe('without SMTP_URL', () => {
    const mailDir = path.join(testConfig().mail.dir, `files-${crypto.randomBytes(3).toString('hex')}`);
    const lines: Record<string, unknown>[] = [];
    let worker: Worker;
    let close: () => Promise<void>;

    before(() => {
      const config = testConfig({ MAIL_DIR: mailDir, LOG_LEVEL: 'info', LOG_FORMAT: 'json' });
      const logger = createLogger(config, 'worker');
      logger.clear();
      const stream = new PassThrough();
      stream.on('data', (c: Buffer) =>
        c
          .toString()
          .split('\n')
          .filter(Boolean)
          .forEach((l) => lines.push(JSON.parse(l))),
      );
      logger.add(new winston.transports.Stream({ stream }));
      const deps = createWorkerDeps(config, logger);
      worker = startQueueWorker(deps, 'email', emailProcessor(deps), 1) as unknown as Worker;
      close = async () => {
        await stopWorker(worker);
        await closeWorkerDeps(deps);
      };
    });
    after(() => close());

    it('writes the message as an .eml file under MAIL_DIR and logs its link', async () => {
      const user = await createUser({ verified: false });
      const id = await enqueue(apiDeps().queues, 'email', { template: 'verify-email', userId: user.id });
      const { state } = await settled(id);
      expect(state).to.equal('completed');
      const files = fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml'));
      const mine = files.map((f) => fs.readFileSync(path.join(mailDir, f), 'utf8')).filter((t) => t.includes(user.email));
      expect(mine).to.have.length(1);
      expect(mine[0]).to.include('Subject: Verify your GEMA email address');
      const logged = lines.find((l) => l.to === user.email && typeof l.link === 'string');
      expect(logged!.link).to.match(/^http:\/\/localhost:3000\/verify-email\?token=[A-Za-z0-9_-]{43}$/);
    });

    it('sends nothing to a user who is already verified', async () => {
      const user = await createUser();
      const id = await enqueue(apiDeps().queues, 'email', { template: 'verify-email', userId: user.id });
      const { state, job } = await settled(id);
      expect(state).to.equal('completed');
      expect(job.returnvalue).to.deep.equal({ sent: false, reason: 'nothing to send' });
    });

    it('fails an unknown template at once, without retrying', async () => {
      const id = await enqueue(apiDeps().queues, 'email', { template: 'no-such-template' });
      const { state, job } = await settled(id);
      expect(state).to.equal('failed');
      expect(job.attemptsMade).to.equal(1);
      expect(job.failedReason).to.include('unknown email template');
    });
  });

  describe('when the SMTP server refuses', () => {
    let smtp: TestSmtp;
    let worker: Worker;
    before(async () => {
      smtp = await startTestSmtp({
        onRcptTo(address, _session, callback) {
          const err = new Error(address.address.startsWith('gone') ? 'No such mailbox' : 'Try again later') as Error & { responseCode: number };
          err.responseCode = address.address.startsWith('gone') ? 550 : 451;
          callback(err);
        },
      });
      worker = startEmailWorker({ SMTP_URL: smtp.url });
    });
    after(async () => {
      await stopWorker(worker);
      await smtp.close();
    });

    it('retries a temporary failure with backoff and leaves the job in the failed set, counted in /metrics', async () => {
      const user = await createUser({ verified: false });
      const id = await enqueue(apiDeps().queues, 'email', { template: 'verify-email', userId: user.id });
      const { state, job } = await settled(id);
      expect(state).to.equal('failed');
      expect(job.attemptsMade).to.equal(apiDeps().config.worker.jobAttempts);
      expect(job.opts.backoff).to.deep.equal({ type: 'exponential', delay: apiDeps().config.worker.jobBackoffMs });
      // queue counts are the worker's to report (worker/observability/queue-depth.ts)
      const workerHttp = await startWorkerHttp();
      const metrics = await workerHttp.get('/metrics').finally(() => workerHttp.close());
      expect(metrics.status).to.equal(200);
      const line = metrics.text.split('\n').find((l) => l.startsWith('bullmq_jobs{queue="email",state="failed"}'));
      expect(Number(line!.split(' ').pop())).to.be.at.least(1);
    });

    it('gives up at once on a permanent refusal (5xx)', async () => {
      const user = await createUser({ verified: false, email: `gone.${crypto.randomBytes(4).toString('hex')}@sekolah.test` });
      const id = await enqueue(apiDeps().queues, 'email', { template: 'verify-email', userId: user.id });
      const { state, job } = await settled(id);
      expect(state).to.equal('failed');
      expect(job.attemptsMade).to.equal(1);
      expect(job.failedReason).to.include('mail refused');
    });
  });
});
