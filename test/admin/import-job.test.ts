import { expect } from 'chai';
import { testWorkerDeps } from '../support/deps';
import { createSchool, createUser } from '../support/factories';
import { Classroom, StudentImport, User } from '../../common/models';
import { failQueuedImport, runQueuedImport, type ImportJobDeps } from '../../common/people/import-job';
import { applyImport, planImport, type ImportPlan } from '../../common/people/student-import';
import { parseStudentCsv } from '../../common/people/student-csv';

let seq = 0;
const nis = () => `8${String(process.pid % 1000).padStart(3, '0')}${String(Date.now() % 1e6).padStart(6, '0')}${String(++seq).padStart(4, '0')}`;

describe('a queued student import when the world has changed', () => {
  let deps: ImportJobDeps;

  before(() => {
    const w = testWorkerDeps();
    deps = { ...w, redisPrefix: w.config.redis.prefix, accessTtlSeconds: w.config.auth.accessTtlSeconds, maxRows: w.config.studentImport.maxRows };
  });

  async function queued(requestedBy: string | null, csv: string | null, status: StudentImport['status'] = 'queued') {
    return StudentImport.create({ requestedBy, csv, total: 1, status, initialPasswordHash: null });
  }

  it('does nothing for an import whose row is gone', async () => {
    expect(await runQueuedImport(deps, '00000000-0000-4000-8000-000000000000')).to.equal(null);
  });

  it('does not run an import again once it is done, failed or has no file left', async () => {
    const s = await createSchool();
    for (const record of [
      await queued(s.admin.id, 'name,nis\nA,1\n', 'done'),
      await queued(s.admin.id, 'x', 'failed'),
      await queued(s.admin.id, null),
    ]) {
      expect(await runQueuedImport(deps, record.id)).to.equal(null);
      const after = await StudentImport.findByPk(record.id);
      expect(after!.status).to.equal(record.status);
      expect(after!.finishedAt).to.equal(null);
    }
  });

  it('fails an import whose requester has been deleted since, and forgets the file', async () => {
    const admin = await createUser({ role: 'admin' });
    const record = await queued(admin.id, `name,nis\nGone,${nis()}\n`);
    await User.destroy({ where: { id: admin.id }, force: true });
    expect(await runQueuedImport(deps, record.id)).to.equal(null);
    await record.reload();
    expect(record.status).to.equal('failed');
    expect(record.error).to.match(/may no longer import students/);
    expect(record.csv).to.equal(null);
  });

  it('fails an import whose requester is now a student', async () => {
    const s = await createSchool();
    const record = await queued(s.student.id, `name,nis\nX,${nis()}\n`);
    expect(await runQueuedImport(deps, record.id)).to.equal(null);
    await record.reload();
    expect(record.status).to.equal('failed');
  });

  it('fails the whole import when a row is refused at run time, naming the refused rows and writing nothing', async () => {
    const s = await createSchool();
    const good = nis();
    const record = await queued(s.admin.id, `name,nis,classroom\nGood,${good},${s.classroom.name}\nLate,${nis()},Gone Class\n`);
    await StudentImport.update({ initialPasswordHash: '$2b$04$abcdefghijklmnopqrstuuW3Qn4nCIGH5mzwT2L8jaFJbXq0/6a2' }, { where: { id: record.id } });
    expect(await runQueuedImport(deps, record.id)).to.equal(null);
    await record.reload();
    expect(record.status).to.equal('failed');
    expect(record.error).to.equal('1 rows are refused now; nothing was imported');
    expect(record.refused).to.have.length(1);
    expect(record.refused![0]).to.include({ status: 'refused' });
    expect(await User.findOne({ where: { studentNumber: good } })).to.equal(null);
  });

  it('marks a job that used its last attempt as failed, with the error', async () => {
    const s = await createSchool();
    const record = await queued(s.admin.id, 'name,nis\n', 'running');
    await failQueuedImport(record.id, 'worker crashed');
    await record.reload();
    expect(record).to.include({ status: 'failed', error: 'worker crashed', csv: null });
  });

  it('leaves a finished import as it was when its job is failed late', async () => {
    const s = await createSchool();
    const record = await queued(s.admin.id, null, 'done');
    await failQueuedImport(record.id, 'too late');
    await record.reload();
    expect(record.status).to.equal('done');
    expect(record.error).to.equal(null);
  });

  it('ignores the last failure of a job whose import row is gone', async () => {
    await failQueuedImport('00000000-0000-4000-8000-000000000001', 'gone');
  });

  it('refuses to apply a plan that has refused rows', async () => {
    const plan: ImportPlan = { results: [], creates: [], updates: [], refused: 1 };
    let thrown: unknown;
    try {
      await applyImport(deps, plan, { id: 'x', role: 'admin' }, null);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as Error).message).to.equal('applyImport was given a plan with refused rows');
  });

  describe('planning rows', () => {
    const plan = (csv: string, actor: { id: string; role: 'teacher' | 'admin' }) =>
      planImport(deps.sequelize, parseStudentCsv(csv, 100), actor, { hasInitialPassword: true });
    const reasonsOf = async (csv: string, actor: { id: string; role: 'teacher' | 'admin' }) =>
      (await plan(csv, actor)).results.map((r) => r.reasons ?? []);

    it('refuses a NIS that is not a school number', async () => {
      const s = await createSchool();
      expect(await reasonsOf(`name,nis,classroom\nA,ab,${s.classroom.name}\n`, { id: s.admin.id, role: 'admin' })).to.deep.equal([['bad_nis']]);
    });

    it("refuses a teacher's row that names no classroom: a teacher places every student in one of theirs", async () => {
      const s = await createSchool();
      expect(await reasonsOf(`name,nis\nA,${nis()}\n`, { id: s.teacher.id, role: 'teacher' })).to.deep.equal([['unknown_classroom']]);
    });

    it('refuses a classroom name shared by two live classrooms as naming none', async () => {
      const s = await createSchool();
      // one name in two school years, both still live
      await Classroom.create({ name: s.classroom.name, academicYear: s.classroom.academicYear === '2099/2100' ? '2098/2099' : '2099/2100' });
      expect(await reasonsOf(`name,nis,classroom\nA,${nis()},${s.classroom.name}\n`, { id: s.admin.id, role: 'admin' })).to.deep.equal([
        ['unknown_classroom'],
      ]);
    });

    it('refuses a row whose NIS and email match two different students', async () => {
      const s = await createSchool();
      const number = nis();
      await User.update({ studentNumber: number }, { where: { id: s.student.id } });
      const csv = `name,nis,email,classroom\nA,${number},${s.classmate.email},${s.classroom.name}\n`;
      expect(await reasonsOf(csv, { id: s.admin.id, role: 'admin' })).to.deep.equal([['duplicate_in_school']]);
    });
  });
});
