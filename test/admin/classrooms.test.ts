import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { Classroom, ClassroomTeacher, User } from '../../common/models';

const api = () => request(app());
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

/** Classroom management by admins beyond the happy path: archiving twice, unarchiving, refused ids. */
describe('admin classrooms: edits and refusals', () => {
  let s: Awaited<ReturnType<typeof createSchool>>;
  beforeEach(async () => {
    s = await createSchool();
  });
  const patch = (id: string, body: Record<string, unknown>) => api().patch(`/api/v2/admin/classrooms/${id}`).set(bearer(s.admin)).send(body);

  it('changes the school year of a classroom', async () => {
    const res = await patch(s.classroom.id, { academicYear: '2027/2028' }).expect(200);
    expect(res.body.data.academicYear).to.equal('2027/2028');
  });

  it('keeps the first archiving date when a classroom is archived again', async () => {
    const first = (await patch(s.classroom.id, { archived: true }).expect(200)).body.data.archivedAt as string;
    const again = (await patch(s.classroom.id, { archived: true }).expect(200)).body.data.archivedAt as string;
    expect(again).to.equal(first);
  });

  it('unarchives a classroom, which then takes students again', async () => {
    await patch(s.classroom.id, { archived: true }).expect(200);
    const res = await patch(s.classroom.id, { archived: false }).expect(200);
    expect(res.body.data.archivedAt).to.equal(null);
    await api()
      .post(`/api/v2/admin/classrooms/${s.classroom.id}/students`)
      .set(bearer(s.admin))
      .send({ studentIds: [s.outsider.id] })
      .expect(200);
  });

  it('refuses renaming a classroom to the name another has in that school year (409 CLASSROOM_EXISTS)', async () => {
    await Classroom.update({ academicYear: s.classroom.academicYear }, { where: { id: s.other.id } });
    const res = await patch(s.other.id, { name: s.classroom.name }).expect(409);
    expect(res.body.error.code).to.equal('CLASSROOM_EXISTS');
  });

  it('answers 404 to changing a classroom that does not exist', async () => {
    await patch(NO_SUCH_ID, { name: 'Ghost' }).expect(404);
  });

  it('refuses teacherIds naming someone who is not a teacher (422 UNKNOWN_TEACHER) and keeps the teachers', async () => {
    const res = await api()
      .put(`/api/v2/admin/classrooms/${s.classroom.id}/teachers`)
      .set(bearer(s.admin))
      .send({ teacherIds: [s.otherTeacher.id, s.student.id] })
      .expect(422);
    expect(res.body.error.code).to.equal('UNKNOWN_TEACHER');
    const kept = await ClassroomTeacher.findAll({ where: { classroomId: s.classroom.id } });
    expect(kept.map((k) => k.teacherId)).to.deep.equal([s.teacher.id]);
  });

  it('refuses moving students into an archived classroom (422 CLASSROOM_ARCHIVED)', async () => {
    await patch(s.classroom.id, { archived: true }).expect(200);
    const res = await api()
      .post(`/api/v2/admin/classrooms/${s.classroom.id}/students`)
      .set(bearer(s.admin))
      .send({ studentIds: [s.outsider.id] })
      .expect(422);
    expect(res.body.error.code).to.equal('CLASSROOM_ARCHIVED');
    expect((await User.findByPk(s.outsider.id))!.classroomId).to.equal(s.other.id);
  });

  it('refuses studentIds naming someone who is not a student (422 UNKNOWN_STUDENT) and moves nobody', async () => {
    const res = await api()
      .post(`/api/v2/admin/classrooms/${s.classroom.id}/students`)
      .set(bearer(s.admin))
      .send({ studentIds: [s.outsider.id, s.otherTeacher.id] })
      .expect(422);
    expect(res.body.error.code).to.equal('UNKNOWN_STUDENT');
    expect((await User.findByPk(s.outsider.id))!.classroomId).to.equal(s.other.id);
  });
});
