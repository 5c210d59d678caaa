import { expect } from 'chai';
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { app } from '../support/deps';
import { bearer, createClassroom, createSchool, createUser } from '../support/factories';
import { Assignment, ClassroomTeacher, User } from '../../common/models';
import { GRADE_EXPORT_HEADER } from '../../api/admin/students-csv/export-service';

const api = () => request(app());
const rowsOf = (text: string) => parse(text, { bom: true, columns: true }) as Record<string, string>[];

/** The CSV exports' filters, empty classrooms, work not yet due and classrooms larger than one batch. */
describe('admin CSV export: edge cases', () => {
  it("narrows a teacher's student export to the one classroom asked for", async () => {
    const s = await createSchool();
    const second = await createClassroom();
    const elsewhere = await createUser({ classroomId: second.id });
    await ClassroomTeacher.create({ classroomId: second.id, teacherId: s.teacher.id });
    const res = await api().get(`/api/v2/admin/students/export?classroomId=${second.id}`).set(bearer(s.teacher)).buffer(true).expect(200);
    expect(rowsOf(res.text).map((r) => r.email)).to.deep.equal([elsewhere.email]);
  });

  it('marks an unverified student "no" and filters by status', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    const unverified = await createUser({ classroomId: classroom.id, verified: false, name: 'A unverified' });
    await createUser({ classroomId: classroom.id, status: 'suspended', name: 'B suspended' });
    const res = await api()
      .get(`/api/v2/admin/students/export?classroomId=${classroom.id}&status=active`)
      .set(bearer(admin))
      .buffer(true)
      .expect(200);
    const rows = rowsOf(res.text);
    expect(rows.map((r) => r.email)).to.deep.equal([unverified.email]);
    expect(rows[0]).to.include({ email_verified: 'no', status: 'active', last_login_at: '' });
  });

  it('answers only the header for the grades of a classroom without students', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    const res = await api().get(`/api/v2/admin/grades/export?classroomId=${classroom.id}`).set(bearer(admin)).buffer(true).expect(200);
    expect(res.text.replace(/^\uFEFF/, '').trim()).to.equal(GRADE_EXPORT_HEADER.join(','));
  });

  it('answers 404 to an admin asking for the grades of a classroom that does not exist', async () => {
    const admin = await createUser({ role: 'admin' });
    await api().get('/api/v2/admin/grades/export?classroomId=00000000-0000-4000-8000-000000000000').set(bearer(admin)).expect(404);
  });

  it('reports work not handed in before its due date as not_submitted, not missing', async () => {
    const s = await createSchool();
    await Assignment.create({
      title: 'Later',
      classroomId: s.classroom.id,
      kind: 'text',
      dueAt: new Date(Date.now() + 7 * 86_400_000),
      maxPoints: 10,
      status: 'published',
      createdBy: s.teacher.id,
    });
    const res = await api().get(`/api/v2/admin/grades/export?classroomId=${s.classroom.id}`).set(bearer(s.admin)).buffer(true).expect(200);
    const rows = rowsOf(res.text);
    expect(rows.map((r) => r.status)).to.deep.equal(['not_submitted', 'not_submitted']);
  });

  it('exports the grades of every student of a classroom larger than one batch', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    await User.bulkCreate(
      Array.from({ length: 503 }, (_, i) => ({
        role: 'student' as const,
        passwordHash: 'x',
        emailVerifiedAt: new Date(),
        classroomId: classroom.id,
        name: `Grade ${String(i).padStart(3, '0')}`,
        email: `grade.${i}.${classroom.id}@sekolah.test`,
      })),
    );
    await Assignment.create({
      title: 'Only one',
      classroomId: classroom.id,
      kind: 'text',
      dueAt: new Date(Date.now() - 86_400_000),
      maxPoints: 10,
      status: 'published',
      createdBy: admin.id,
    });
    const res = await api().get(`/api/v2/admin/grades/export?classroomId=${classroom.id}`).set(bearer(admin)).buffer(true).expect(200);
    const rows = rowsOf(res.text);
    expect(rows).to.have.length(503);
    expect(new Set(rows.map((r) => r.email)).size).to.equal(503);
  });
});
