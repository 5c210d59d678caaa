import { expect } from 'chai';
import bcrypt from 'bcrypt';
import type pg from 'pg';
import request from 'supertest';
import { app, isolatedApp, testWorkerDeps } from '../support/deps';
import { TEST_RUN_ID } from '../support/env';
import { bearer, createUser, tokenFor } from '../support/factories';
import { connectClient, startLiveServer } from '../support/realtime';
import { until } from '../support/until';
import { dropDatabase } from '../../common/db/sequelize';
import { startQueueWorker } from '../../worker/queue-worker';
import { legacyImportProcessor } from '../../worker/legacy-import/processor';
import { createLegacyDatabase, seedSchool } from '../../bench/_legacy-school';

const pgBase = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const legacyUrl = `${pgBase}/gema_legacy_job_${TEST_RUN_ID}`;
const ROUTE = '/api/v2/admin/legacy-imports';

interface Progress {
  runId: string;
  status: string;
  entity: string | null;
  done: number;
  total: number;
}

describe('legacy import: the admin job', function () {
  this.timeout(120_000);
  let legacy: pg.Client;

  before(async () => {
    await dropDatabase(legacyUrl);
    legacy = await createLegacyDatabase(legacyUrl);
    await seedSchool(legacy, { tag: 'jb', students: 40, assignments: 5, submissions: 400, passwordHash: bcrypt.hashSync('x-password', 4) });
  });

  after(async () => {
    await legacy?.end();
    await dropDatabase(legacyUrl);
  });

  it('refuses to start when the server has no LEGACY_DATABASE_URL', async () => {
    const admin = await createUser({ role: 'admin' });
    const res = await request(app()).post(ROUTE).set(bearer(admin)).send({ mode: 'dry-run' }).expect(422);
    expect(res.body.error.code).to.equal('LEGACY_SOURCE_NOT_CONFIGURED');
  });

  it('is for admins only, and takes no database address from the request', async () => {
    const { app: configured } = isolatedApp({ LEGACY_DATABASE_URL: legacyUrl });
    const teacher = await createUser({ role: 'teacher' });
    const admin = await createUser({ role: 'admin' });
    await request(configured).post(ROUTE).set(bearer(teacher)).send({}).expect(403);
    await request(configured).post(ROUTE).set(bearer(admin)).send({ from: 'postgres://attacker.example/db' }).expect(400);
  });

  it('runs as a job, streams its progress to the admin who started it, and keeps the report', async () => {
    const { app: configured } = isolatedApp({ LEGACY_DATABASE_URL: `${legacyUrl.replace('//postgres@', '//postgres:hunter2@')}` });
    const admin = await createUser({ role: 'admin' });
    const live = await startLiveServer();
    const socket = await connectClient(live.url, tokenFor(admin));
    const events: Progress[] = [];
    socket.on('legacy-import:progress', (p: Progress) => events.push(p));
    const deps = testWorkerDeps({ LEGACY_DATABASE_URL: legacyUrl });
    const worker = startQueueWorker(deps, 'legacy-import', legacyImportProcessor(deps), 1);
    try {
      // a dry run: this spec shares GEMA's database with the import spec, whose checksums must see only its own school
      const res = await request(configured).post(ROUTE).set(bearer(admin)).send({ mode: 'dry-run' }).expect(202);
      const id = res.body.data.id as string;
      expect(res.headers.location).to.equal(`${ROUTE}/${id}`);
      expect(res.body.data).to.include({ status: 'queued', mode: 'dry-run' });
      // the password never reaches what admins read
      expect(res.body.data.source).to.not.include('hunter2');
      await until(() => events.some((e) => e.status === 'completed'));
      const students = events.filter((e) => e.entity === 'students');
      expect(students.at(-1)).to.include({ runId: id, done: 40, total: 40 });
      const run = (await request(configured).get(`${ROUTE}/${id}`).set(bearer(admin)).expect(200)).body.data;
      expect(run).to.include({ status: 'completed', consistent: true });
      const report = run.report as { entities: { entity: string; pending: number }[] };
      expect(report.entities.find((e) => e.entity === 'submissions')).to.include({ pending: 400 });
      const list = (await request(configured).get(ROUTE).set(bearer(admin)).expect(200)).body;
      expect(list.data.map((r: { id: string }) => r.id)).to.include(id);
      expect(list.data[0]).to.not.have.property('report');
    } finally {
      await worker.close();
      socket.close();
      await live.close();
    }
  });
});
