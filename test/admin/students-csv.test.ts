import { expect } from 'chai';
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { app, apiDeps, isolatedApp, testWorkerDeps } from '../support/deps';
import { bearer, createClassroom, createSchool, createUser, tokenFor } from '../support/factories';
import { connectClient, startLiveServer } from '../support/realtime';
import { Assignment, Submission, User } from '../../common/models';
import { startQueueWorker } from '../../worker/queue-worker';
import { studentImportProcessor } from '../../worker/student-import/processor';

const api = () => request(app());
let seq = 0;
/** NIS numbers unique to this run, so files never collide with another test's students. */
const nis = () =>
  `9${String(process.pid % 1000).padStart(3, '0')}${String(Date.now() % 1e6).padStart(6, '0')}${String(++seq).padStart(4, '0')}`.slice(0, 20);

function upload(user: Parameters<typeof bearer>[0], csv: string, query = '', fields: Record<string, string> = {}) {
  const req = api().post(`/api/v2/admin/students/import${query}`).set(bearer(user));
  for (const [k, v] of Object.entries(fields)) req.field(k, v);
  return req.attach('file', Buffer.from(csv, 'utf8'), { filename: 'students.csv', contentType: 'text/csv' });
}

async function byNis(number: string) {
  return User.findOne({ where: { studentNumber: number } });
}

describe('admin CSV import: the dry run', () => {
  it('answers created, updated by NIS and updated by email, and writes nothing', async () => {
    const s = await createSchool();
    const known = nis();
    await User.update({ studentNumber: known }, { where: { id: s.student.id } });
    const fresh = nis();
    const csv = `name,nis,email,classroom\nNew One,${fresh},,${s.classroom.name}\nRenamed,${known},,${s.classroom.name}\nBy Mail,,${s.classmate.email},${s.classroom.name}\n`;
    const res = await upload(s.admin, csv, '?dryRun=true', { initialPassword: 'welcome-2026' }).expect(200);
    expect(res.body.data.dryRun).to.equal(true);
    expect(res.body.data.rows.map((r: { status: string }) => r.status)).to.deep.equal(['created', 'updated', 'updated']);
    expect(res.body.data.rows[1].studentId).to.equal(s.student.id);
    expect(res.body.data.rows[2].studentId).to.equal(s.classmate.id);
    expect(await byNis(fresh)).to.equal(null);
    expect((await User.findByPk(s.student.id))!.name).to.equal(s.student.name);
  });

  it('refuses each bad row with its reason: duplicate in file, duplicate in school, unknown classroom, bad email, missing name', async () => {
    const s = await createSchool();
    const teacherNis = nis();
    await User.update({ studentNumber: teacherNis }, { where: { id: s.teacher.id } });
    const twice = nis();
    const csv = [
      'name,nis,email,classroom',
      `Twin A,${twice},,${s.classroom.name}`,
      `Twin B,${twice},,${s.classroom.name}`,
      `Teacher Clash,${teacherNis},,${s.classroom.name}`,
      `Nowhere,${nis()},,No Such Class`,
      `Bad Mail,${nis()},not-an-email,${s.classroom.name}`,
      `,${nis()},,${s.classroom.name}`,
      `No Id,,,${s.classroom.name}`,
      `No Password,${nis()},,${s.classroom.name}`,
    ].join('\n');
    const res = await upload(s.admin, csv, '?dryRun=true').expect(200);
    const reasons = (res.body.data.rows as { reasons?: string[] }[]).map((r) => r.reasons);
    expect(reasons[0]).to.include('duplicate_in_file');
    expect(reasons[1]).to.include('duplicate_in_file');
    expect(reasons[2]).to.include('duplicate_in_school');
    expect(reasons[3]).to.include('unknown_classroom');
    expect(reasons[4]).to.include('bad_email');
    expect(reasons[5]).to.include('missing_name');
    expect(reasons[6]).to.include('missing_identifier');
    expect(reasons[7]).to.deep.equal(['no_password']);
    expect(res.body.data.counts).to.include({ rows: 8, refused: 8 });
  });

  it('tells a teacher that another classroom and its students are unknown to them', async () => {
    const s = await createSchool();
    const outsiderNis = nis();
    await User.update({ studentNumber: outsiderNis }, { where: { id: s.outsider.id } });
    const csv = `name,nis,classroom\nElsewhere,${nis()},${s.other.name}\nOutsider,${outsiderNis},${s.classroom.name}\n`;
    const res = await upload(s.teacher, csv, '?dryRun=true', { initialPassword: 'welcome-2026' }).expect(200);
    expect(res.body.data.rows[0].reasons).to.deep.equal(['unknown_classroom']);
    expect(res.body.data.rows[1].reasons).to.deep.equal(['duplicate_in_school']);
  });

  it('reads quoted cells, a BOM and semicolon separators as a spreadsheet writes them', async () => {
    const s = await createSchool();
    const number = nis();
    const csv = `\uFEFFnama;nis;kelas\n"Putri, S.Kom";${number};${s.classroom.name}\n`;
    const res = await upload(s.admin, csv, '?dryRun=true', { initialPassword: 'welcome-2026' }).expect(200);
    expect(res.body.data.rows[0]).to.include({ status: 'created', name: 'Putri, S.Kom', nis: number });
  });

  it('refuses a file without a name column (400 INVALID_CSV)', async () => {
    const s = await createSchool();
    const res = await upload(s.admin, 'nis,email\n123,a@b.test\n', '?dryRun=true').expect(400);
    expect(res.body.error.code).to.equal('INVALID_CSV');
  });

  it('refuses a file with a header and no rows (400 INVALID_CSV)', async () => {
    const s = await createSchool();
    const res = await upload(s.admin, 'name,nis\n', '?dryRun=true').expect(400);
    expect(res.body.error).to.include({ code: 'INVALID_CSV', message: 'The file has a header but no rows' });
  });

  it('refuses a file with more rows than STUDENT_IMPORT_MAX_ROWS (400 INVALID_CSV) and writes none of them', async () => {
    const s = await createSchool();
    const limited = isolatedApp({ STUDENT_IMPORT_MAX_ROWS: '2' });
    const numbers = [nis(), nis(), nis()];
    const csv = `name,nis,classroom\n${numbers.map((n, i) => `Row ${i},${n},${s.classroom.name}`).join('\n')}\n`;
    const res = await request(limited.app)
      .post('/api/v2/admin/students/import')
      .set(bearer(s.admin))
      .field('initialPassword', 'welcome-2026')
      .attach('file', Buffer.from(csv, 'utf8'), { filename: 'students.csv', contentType: 'text/csv' })
      .expect(400);
    expect(res.body.error).to.include({ code: 'INVALID_CSV', message: 'The file has more than 2 rows' });
    for (const n of numbers) expect(await byNis(n)).to.equal(null);
  });

  it('refuses a request without a file (400)', async () => {
    const s = await createSchool();
    await api().post('/api/v2/admin/students/import').set(bearer(s.admin)).field('initialPassword', 'welcome-2026').expect(400);
  });
});

describe('admin CSV import: writing', () => {
  // nothing here delivers the invitations these imports queue; leave the email queue as it was found
  after(async () => {
    const queue = apiDeps().queues.email;
    for (const job of await queue.getJobs(['waiting', 'delayed'])) if (job.data.template === 'invitation') await job.remove();
  });

  it('imports good rows: new students in the classroom, verified, NIS-only ones must change the initial password, email ones invited', async () => {
    const s = await createSchool();
    const a = nis();
    const csv = `name,nis,email,classroom\nAni,${a},,${s.classroom.name}\nBayu,,bayu.${a}@sekolah.test,${s.classroom.name}\n`;
    const res = await upload(s.admin, csv, '', { initialPassword: 'welcome-2026' }).expect(201);
    expect(res.body.data.summary).to.include({ created: 2, updated: 0, invited: 1 });
    const ani = await byNis(a);
    expect(ani).to.include({ classroomId: s.classroom.id, mustChangePassword: true, role: 'student' });
    expect(ani!.emailVerifiedAt).to.be.an.instanceOf(Date);
    const login = await api().post('/api/v2/auth/login').send({ nis: a, password: 'welcome-2026' }).expect(200);
    expect(login.body.password_change_required).to.equal(true);
  });

  it('updates a matched student and moves them, ending their sessions', async () => {
    const s = await createSchool();
    const number = nis();
    await User.update({ studentNumber: number }, { where: { id: s.outsider.id } });
    const tokens = (await api().post('/api/v2/auth/login').send({ email: s.outsider.email, password: 'correct horse battery' }).expect(200)).body;
    await upload(s.admin, `name,nis,classroom\nMoved Name,${number},${s.classroom.name}\n`).expect(201);
    const moved = await User.findByPk(s.outsider.id);
    expect(moved).to.include({ name: 'Moved Name', classroomId: s.classroom.id });
    await api().get('/api/v2/auth/session').set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
  });

  it('writes nothing when one row is refused (all or nothing), answering 422 with the refused rows', async () => {
    const s = await createSchool();
    const good = nis();
    const csv = `name,nis,classroom\nGood,${good},${s.classroom.name}\nBad,${nis()},No Such Class\n`;
    const res = await upload(s.admin, csv, '', { initialPassword: 'welcome-2026' }).expect(422);
    expect(res.body.error.code).to.equal('IMPORT_REFUSED');
    expect(res.body.error.details.rows).to.have.length(1);
    expect(res.body.error.details.rows[0]).to.include({ line: 3 });
    expect(await byNis(good)).to.equal(null);
  });

  it('imports 5,000 rows as a job, with progress on the status route and the socket', async function () {
    this.timeout(120_000);
    const s = await createSchool();
    const live = await startLiveServer();
    const socket = await connectClient(live.url, tokenFor(s.admin));
    const progress: { status: string; done: number; total: number }[] = [];
    socket.on('import:progress', (p: { status: string; done: number; total: number }) => progress.push(p));
    const classroom = await createClassroom();
    const prefix = nis().slice(0, 10);
    const lines = ['name,nis,email,classroom'];
    // every 100th row has an email (an invitation); the rest sign in by NIS with the initial password
    for (let i = 0; i < 5000; i++)
      lines.push(`Siswa ${i},${prefix}${String(i).padStart(5, '0')},${i % 100 ? '' : `s${i}.${prefix}@sekolah.test`},${classroom.name}`);
    const res = await upload(s.admin, lines.join('\n'), '', { initialPassword: 'welcome-2026' }).expect(202);
    expect(res.headers.location).to.equal(`/api/v2/admin/students/imports/${res.body.data.id}`);
    expect(res.body.data).to.include({ status: 'queued', total: 5000 });

    const deps = testWorkerDeps();
    const worker = startQueueWorker(deps, 'student-import', studentImportProcessor(deps), 1);
    try {
      let status = res.body.data;
      while (status.status === 'queued' || status.status === 'running') {
        await new Promise((r) => setTimeout(r, 200));
        status = (await api().get(res.headers.location).set(bearer(s.admin)).expect(200)).body.data;
      }
      expect(status).to.include({ status: 'done', done: 5000, total: 5000 });
      expect(status.summary).to.include({ created: 5000, invited: 50 });
      while (!progress.some((p) => p.status === 'done')) await new Promise((r) => setTimeout(r, 50));
      expect(progress.filter((p) => p.status === 'running').map((p) => p.done)).to.deep.equal([1000, 2000, 3000, 4000, 5000]);
    } finally {
      await worker.close();
      socket.close();
      await live.close();
    }
    expect(await User.count({ where: { classroomId: classroom.id } })).to.equal(5000);
    expect(await User.count({ where: { classroomId: classroom.id, mustChangePassword: true } })).to.equal(4950);
  });

  it('shows an import only to whoever asked for it and admins', async () => {
    const s = await createSchool();
    const lines = ['name,nis,classroom'];
    for (let i = 0; i < 301; i++) lines.push(`X ${i},${nis()},${s.classroom.name}`);
    const res = await upload(s.teacher, lines.join('\n'), '', { initialPassword: 'welcome-2026' }).expect(202);
    await api().get(res.headers.location).set(bearer(s.teacher)).expect(200);
    await api().get(res.headers.location).set(bearer(s.admin)).expect(200);
    await api().get(res.headers.location).set(bearer(s.otherTeacher)).expect(404);
  });
});

describe('admin CSV export', () => {
  it('streams the students with a formula-injection cell escaped', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    await createUser({ classroomId: classroom.id, name: '=HYPERLINK("http://evil.test","x")' });
    await createUser({ classroomId: classroom.id, name: '@SUM(1+1)' });
    await createUser({ classroomId: classroom.id, name: 'Plain Name' });
    const res = await api().get(`/api/v2/admin/students/export?classroomId=${classroom.id}`).set(bearer(admin)).buffer(true).expect(200);
    expect(res.headers['content-type']).to.match(/^text\/csv/);
    const rows = parse(res.text, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.name)).to.deep.equal(['\'=HYPERLINK("http://evil.test","x")', "'@SUM(1+1)", 'Plain Name']);
    expect(rows[0]).to.include({ classroom: classroom.name, status: 'active' });
  });

  it('exports every row of a class larger than one batch', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    const base = { role: 'student' as const, passwordHash: 'x', emailVerifiedAt: new Date(), classroomId: classroom.id };
    await User.bulkCreate(
      Array.from({ length: 1203 }, (_, i) => ({ ...base, name: `Batch ${i}`, email: `batch.${i}.${classroom.id}@sekolah.test` })),
    );
    const res = await api().get(`/api/v2/admin/students/export?classroomId=${classroom.id}`).set(bearer(admin)).buffer(true).expect(200);
    expect(parse(res.text, { bom: true, columns: true })).to.have.length(1203);
  });

  it('keeps a teacher to their classrooms (404 for another)', async () => {
    const s = await createSchool();
    await api().get(`/api/v2/admin/students/export?classroomId=${s.other.id}`).set(bearer(s.teacher)).expect(404);
    const res = await api().get('/api/v2/admin/students/export').set(bearer(s.teacher)).buffer(true).expect(200);
    const emails = (parse(res.text, { bom: true, columns: true }) as Record<string, string>[]).map((r) => r.email);
    expect(emails).to.have.members([s.student.email, s.classmate.email]);
  });

  it('exports grades per student and assignment, with missing work, for a classroom the teacher teaches', async () => {
    const s = await createSchool();
    const due = new Date(Date.now() - 86400_000);
    const a = await Assignment.create({
      title: '+cmd|calc',
      classroomId: s.classroom.id,
      kind: 'text',
      dueAt: due,
      maxPoints: 100,
      status: 'published',
      createdBy: s.teacher.id,
    });
    await Submission.create({
      assignmentId: a.id,
      studentId: s.student.id,
      attempt: 1,
      content: 'x',
      status: 'graded',
      submittedAt: due,
      grade: 87.5,
    });
    await api().get(`/api/v2/admin/grades/export?classroomId=${s.other.id}`).set(bearer(s.teacher)).expect(404);
    const res = await api().get(`/api/v2/admin/grades/export?classroomId=${s.classroom.id}`).set(bearer(s.teacher)).buffer(true).expect(200);
    const rows = parse(res.text, { bom: true, columns: true }) as Record<string, string>[];
    const mine = rows.find((r) => r.email === s.student.email)!;
    const theirs = rows.find((r) => r.email === s.classmate.email)!;
    expect(mine).to.include({ assignment: "'+cmd|calc", status: 'graded', grade: '87.5', max_points: '100' });
    expect(theirs).to.include({ status: 'missing', grade: '' });
  });

  it('needs a classroomId for the grade export (400)', async () => {
    const s = await createSchool();
    await api().get('/api/v2/admin/grades/export').set(bearer(s.admin)).expect(400);
  });
});
