import { expect } from 'chai';
import { apiDeps } from '../support/deps';
import { createSchool, createUser } from '../support/factories';
import { WebProject, WebVersion, type WebAssignment } from '../../common/models';
import { seedWebLab, DEMO_WEB_CHECKS } from '../../scripts/seed/web-lab';
import { CHECK_KINDS } from '../../common/web-lab/types';
import { checked, startWebWorker } from './helpers';
import { enqueue } from '../../common/queues';

describe('web lab: demo data', function () {
  this.timeout(120_000);
  let assignment: WebAssignment;

  before(async () => {
    const deps = apiDeps();
    const school = await createSchool();
    const more = await Promise.all([1, 2].map(() => createUser({ classroomId: school.classroom.id })));
    assignment = await deps.sequelize.transaction((transaction) =>
      seedWebLab(
        { admin: school.admin, teachers: [school.teacher], classrooms: [school.classroom], students: [school.student, school.classmate, ...more] },
        transaction,
      ),
    );
  });

  it('seeds one check of each kind', () => {
    expect(DEMO_WEB_CHECKS.map((c) => c.kind).sort()).to.deep.equal([...CHECK_KINDS].sort());
  });

  it('seeds a project in each status', async () => {
    const projects = await WebProject.findAll({ where: { assignmentId: assignment.id } });
    expect(projects.map((p) => p.status).sort()).to.deep.equal(['draft', 'graded', 'returned', 'submitted']);
  });

  it('seeds versions that pass every check once a worker checks them', async () => {
    const worker = await startWebWorker();
    try {
      const versions = await WebVersion.findAll({ where: { assignmentId: assignment.id } });
      for (const v of versions) await enqueue(apiDeps().queues, 'web-checks', { kind: 'version', versionId: v.id }, { jobId: `seed-${v.id}` });
      for (const v of versions) {
        const done = await checked(v.id);
        expect(done.results.filter((r) => r.status !== 'passed').map((r) => `${r.checkId}: ${r.reason}`)).to.deep.equal([]);
      }
    } finally {
      await worker.close();
    }
  });
});
