import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { TEST_ENV } from '../support/env';
import { dropDatabase, ensureDatabase } from '../../common/db/sequelize';
import type { Dashboard } from '../../api/learning/dashboard/service';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Seeded {
  dashboard: Dashboard;
  submissionStatuses: string[];
  assignmentStatuses: string[];
}

/** The demo seed, run into a database of its own so its every-classroom work never meets the other tests. */
describe('demo seed: learning core', function () {
  this.timeout(120_000);
  const databaseUrl = `${TEST_ENV.DATABASE_URL}_seed`;
  let seeded: Seeded;

  before(async () => {
    await ensureDatabase(databaseUrl);
    const { stdout } = await promisify(execFile)(TSX, [path.join(__dirname, 'fixtures', 'seeded-dashboard.ts')], {
      env: { ...process.env, ...TEST_ENV, DATABASE_URL: databaseUrl },
      cwd: ROOT,
    });
    seeded = JSON.parse(stdout.trim().split('\n').pop()!) as Seeded;
  });
  after(() => dropDatabase(databaseUrl));

  it('gives the first demo student an attempt in every submission status', () => {
    expect(seeded.submissionStatuses).to.deep.equal(['graded', 'late', 'needs_revision', 'returned', 'submitted']);
  });

  it('has draft, published and archived assignments', () => {
    expect(seeded.assignmentStatuses).to.deep.equal(['archived', 'draft', 'published']);
  });

  it('fills every dashboard figure of the first demo student with real data', () => {
    const d = seeded.dashboard;
    for (const state of ['pending', 'submitted', 'graded', 'overdue'] as const) {
      expect(d.counts[state], state).to.be.greaterThan(0);
    }
    expect(d.nextDeadlines).to.not.be.empty;
    expect(d.latestGrades).to.not.be.empty;
    expect(d.latestGrades.every((g) => g.feedback)).to.equal(true);
    expect(d.completionPercent).to.be.greaterThan(0);
    expect(d.averageGradePercent).to.be.a('number');
  });
});
