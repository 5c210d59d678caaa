import { expect } from 'chai';
import pg from 'pg';
import { apiDeps } from '../support/deps';
import { TEST_RUN_ID } from '../support/env';
import { dropDatabase } from '../../common/db/sequelize';
import { importLegacy } from '../../common/legacy-import/run';
import { createLegacyDatabase } from '../../bench/_legacy-school';

const pgBase = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const legacyUrl = `${pgBase}/gema_legacy_partial_${TEST_RUN_ID}`;

describe('legacy import: a school copy with only part of the web lab', function () {
  this.timeout(60_000);
  let legacy: pg.Client;

  before(async () => {
    await dropDatabase(legacyUrl);
    legacy = await createLegacyDatabase(legacyUrl);
    await legacy.query(`DROP TABLE web_lab_submissions, web_lab_assignments, coding_lab_versions, coding_lab_rubric_scores`);
    await legacy.query(`INSERT INTO web_lab_evaluations (id, "submissionId", score) VALUES ('pw_we1', 'pw_ws1', 50)`);
    await legacy.query(
      `INSERT INTO coding_lab_evaluations (id, "submissionId", "versionId", "overallScore") VALUES ('pw_ce1', 'pw_cs1', 'pw_cv1', 70)`,
    );
  });

  after(async () => {
    await legacy?.end();
    await dropDatabase(legacyUrl);
  });

  it('reports the missing tables and refuses the evaluations left without their versions, instead of failing', async () => {
    const report = await importLegacy(
      legacyUrl,
      { mode: 'dry-run', adminsAs: 'owners-are-teachers', rejudge: false, academicYear: '2025/2026', batchSize: 100 },
      { sequelize: apiDeps().sequelize },
    );
    const byName = new Map(report.entities.map((e) => [e.entity, e]));
    expect(byName.get('web_lab_submissions')!.missing).to.equal('table not found');
    expect(byName.get('coding_lab_versions')!.missing).to.equal('table not found');
    expect(byName.get('web_lab_evaluations')!.skipped).to.deep.equal({ orphan_submission: 1 });
    expect(byName.get('coding_lab_evaluations')!.skipped).to.deep.equal({ orphan_version: 1 });
    expect(report.probe.tablesMissing).to.include.members(['web_lab_assignments', 'coding_lab_rubric_scores']);
  });
});
