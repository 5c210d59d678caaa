import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createClassroom, createSchool, createUser } from '../support/factories';
import { ClassroomTeacher, User } from '../../common/models';

const api = () => request(app());
const nis = () => String(Math.floor(1e9 + Math.random() * 9e9));
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

describe('admin people: editing accounts', () => {
  it('changes the email, NIS and phone an admin sends', async () => {
    const s = await createSchool();
    const number = nis();
    const email = `renamed.${number}@test.gema`;
    const res = await api()
      .patch(`/api/v2/admin/students/${s.student.id}`)
      .set(bearer(s.admin))
      .send({ email, nis: number, phone: '+62 812 3456' })
      .expect(200);
    expect(res.body.data).to.include({ email, studentNumber: number, phone: '+62 812 3456' });
    const stored = (await User.findByPk(s.student.id))!;
    expect([stored.email, stored.studentNumber, stored.phone]).to.deep.equal([email, number, '+62 812 3456']);
  });

  it('refuses an email that another account has (409 EMAIL_TAKEN) and keeps the old one', async () => {
    const s = await createSchool();
    const res = await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ email: s.classmate.email }).expect(409);
    expect(res.body.error.code).to.equal('EMAIL_TAKEN');
    expect((await User.findByPk(s.student.id))!.email).to.equal(s.student.email);
  });

  it('refuses a NIS that another account has (409 NIS_TAKEN)', async () => {
    const s = await createSchool();
    const number = nis();
    await User.update({ studentNumber: number }, { where: { id: s.classmate.id } });
    const res = await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ nis: number }).expect(409);
    expect(res.body.error.code).to.equal('NIS_TAKEN');
  });

  it('refuses to remove the email of an account that has no NIS (422 NO_IDENTIFIER)', async () => {
    const s = await createSchool();
    const res = await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ email: null }).expect(422);
    expect(res.body.error.code).to.equal('NO_IDENTIFIER');
    expect((await User.findByPk(s.student.id))!.email).to.equal(s.student.email);
  });

  it('lets an admin remove the email of a student who signs in with a NIS', async () => {
    const s = await createSchool();
    await User.update({ studentNumber: nis() }, { where: { id: s.student.id } });
    const res = await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ email: null }).expect(200);
    expect(res.body.data.email).to.equal(null);
  });

  it('refuses to put a teacher in a classroom as if a student (422 NOT_A_STUDENT)', async () => {
    const s = await createSchool();
    const res = await api().patch(`/api/v2/admin/teachers/${s.teacher.id}`).set(bearer(s.admin)).send({ classroomId: s.classroom.id }).expect(422);
    expect(res.body.error.code).to.equal('NOT_A_STUDENT');
  });

  it('answers 404 to an admin moving a student to a classroom that does not exist', async () => {
    const s = await createSchool();
    await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ classroomId: NO_SUCH_ID }).expect(404);
    expect((await User.findByPk(s.student.id))!.classroomId).to.equal(s.classroom.id);
  });

  it('lets an admin take a student out of every classroom', async () => {
    const s = await createSchool();
    const res = await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ classroomId: null }).expect(200);
    expect(res.body.data.classroomId).to.equal(null);
  });

  it("ends a teacher's classroom assignments when an admin makes them a student", async () => {
    const s = await createSchool();
    const res = await api().patch(`/api/v2/admin/teachers/${s.teacher.id}`).set(bearer(s.admin)).send({ role: 'student' }).expect(200);
    expect(res.body.data.role).to.equal('student');
    expect(await ClassroomTeacher.count({ where: { teacherId: s.teacher.id } })).to.equal(0);
  });

  it('takes a student promoted to teacher out of their classroom', async () => {
    const s = await createSchool();
    await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ role: 'teacher' }).expect(200);
    const stored = (await User.findByPk(s.student.id))!;
    expect([stored.role, stored.classroomId]).to.deep.equal(['teacher', null]);
  });
});

describe('admin people: scope and odd requests', () => {
  it('filters verified students with verified=true', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    const verified = await createUser({ classroomId: classroom.id });
    await createUser({ classroomId: classroom.id, verified: false });
    const res = await api().get(`/api/v2/admin/students?classroomId=${classroom.id}&verified=true`).set(bearer(admin)).expect(200);
    expect((res.body.data as { id: string }[]).map((u) => u.id)).to.deep.equal([verified.id]);
  });

  it('answers 404 for a teacher that does not exist', async () => {
    const admin = await createUser({ role: 'admin' });
    const res = await api().get(`/api/v2/admin/teachers/${NO_SUCH_ID}`).set(bearer(admin)).expect(404);
    expect(res.body.error.message).to.match(/Teacher/);
  });

  it('answers 404 to a teacher asking for a student who has no classroom', async () => {
    const s = await createSchool();
    const loner = await createUser({ role: 'student' });
    await api().get(`/api/v2/admin/students/${loner.id}`).set(bearer(s.teacher)).expect(404);
  });

  it('refuses a teacher creating a student without a classroom (422 CLASSROOM_REQUIRED)', async () => {
    const s = await createSchool();
    const res = await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.teacher))
      .send({ name: 'Tanpa Kelas', nis: nis(), password: 'a-long-first-password' })
      .expect(422);
    expect(res.body.error.code).to.equal('CLASSROOM_REQUIRED');
  });

  it('lets an admin create a student without a classroom', async () => {
    const admin = await createUser({ role: 'admin' });
    const res = await api()
      .post('/api/v2/admin/students')
      .set(bearer(admin))
      .send({ name: 'Belum Berkelas', nis: nis(), password: 'a-long-first-password' })
      .expect(201);
    expect(res.body.data.classroomId).to.equal(null);
  });

  it('answers a student who is not deleted unchanged on restore', async () => {
    const s = await createSchool();
    const res = await api().post(`/api/v2/admin/students/${s.student.id}/restore`).set(bearer(s.admin)).expect(200);
    expect(res.body.data).to.include({ id: s.student.id, deletedAt: null });
  });

  it('refuses to restore a NIS-only student whose NIS was taken meanwhile (409 NIS_TAKEN)', async () => {
    const admin = await createUser({ role: 'admin' });
    const number = nis();
    const made = await api()
      .post('/api/v2/admin/students')
      .set(bearer(admin))
      .send({ name: 'Hanya NIS', nis: number, password: 'a-long-first-password' })
      .expect(201);
    await api().delete(`/api/v2/admin/students/${made.body.data.id}`).set(bearer(admin)).expect(204);
    await User.update({ studentNumber: number }, { where: { id: (await createUser()).id } });
    const res = await api().post(`/api/v2/admin/students/${made.body.data.id}/restore`).set(bearer(admin)).expect(409);
    expect(res.body.error.code).to.equal('NIS_TAKEN');
  });

  it('refuses classroomIds naming a classroom that does not exist (422 UNKNOWN_CLASSROOM) and keeps the old ones', async () => {
    const s = await createSchool();
    const res = await api()
      .put(`/api/v2/admin/teachers/${s.teacher.id}/classrooms`)
      .set(bearer(s.admin))
      .send({ classroomIds: [s.other.id, NO_SUCH_ID] })
      .expect(422);
    expect(res.body.error.code).to.equal('UNKNOWN_CLASSROOM');
    const kept = await ClassroomTeacher.findAll({ where: { teacherId: s.teacher.id } });
    expect(kept.map((k) => k.classroomId)).to.deep.equal([s.classroom.id]);
  });

  it('replaces the classrooms of a teacher, dropping those not named', async () => {
    const s = await createSchool();
    const res = await api()
      .put(`/api/v2/admin/teachers/${s.teacher.id}/classrooms`)
      .set(bearer(s.admin))
      .send({ classroomIds: [s.other.id] })
      .expect(200);
    expect(res.body.data.classroomIds).to.deep.equal([s.other.id]);
  });
});
