import crypto from 'node:crypto';
import { expect } from 'chai';
import { testWorkerDeps } from '../support/deps';
import { LegacyImportRun } from '../../common/models/legacy-import-run';
import type { RealtimePublisher } from '../../common/realtime/publisher';
import { failLegacyImportJob, runLegacyImportJob, type LegacyJobDeps } from '../../common/legacy-import/job';

const OPTIONS = { mode: 'dry-run', adminsAs: 'admins', rejudge: false, academicYear: '2025/2026', batchSize: 500 } as const;

describe('legacy import: the job on runs it cannot or need not do', () => {
  let published: unknown[][];
  let deps: LegacyJobDeps;

  beforeEach(() => {
    published = [];
    const worker = testWorkerDeps();
    const realtime = { publish: (...args: unknown[]) => published.push(args) } as unknown as RealtimePublisher;
    deps = { sequelize: worker.sequelize, config: worker.config, logger: worker.logger, realtime };
  });

  const makeRun = (status: 'queued' | 'completed') =>
    LegacyImportRun.create({ mode: 'dry-run', status, source: 'postgres://legacy/db', options: OPTIONS, startedBy: null });

  it('refuses a run id that does not exist', async () => {
    const err = await runLegacyImportJob(deps, crypto.randomUUID()).catch((e: Error) => e);
    expect(err).to.be.instanceOf(Error).with.property('name', 'NotFoundError');
  });

  it('leaves a run that already completed as it is (a retried job)', async () => {
    const run = await makeRun('completed');
    await runLegacyImportJob(deps, run.id);
    await run.reload();
    expect(run.status).to.equal('completed');
    expect(published).to.deep.equal([]);
  });

  it('marks the run failed with the reason when the worker has no LEGACY_DATABASE_URL, telling no one when no admin started it', async () => {
    const run = await makeRun('queued');
    const err = await runLegacyImportJob(deps, run.id).catch((e: Error & { code?: string }) => e);
    expect(err).to.have.property('code', 'LEGACY_SOURCE_NOT_CONFIGURED');
    await run.reload();
    expect(run.status).to.equal('failed');
    expect(run.error).to.equal('LEGACY_DATABASE_URL is not set on the worker');
    expect(published).to.deep.equal([]);
  });

  it('after the last attempt, marks nothing for a run that is gone or already completed', async () => {
    await failLegacyImportJob(deps, crypto.randomUUID(), 'boom');
    const run = await makeRun('completed');
    await failLegacyImportJob(deps, run.id, 'boom');
    await run.reload();
    expect(run.status).to.equal('completed');
    expect(run.error).to.equal(null);
  });
});
