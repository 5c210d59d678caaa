import request from 'supertest';
import { expect } from 'chai';
import { app } from '../../support/deps';
import { bearer, createSchool, createUser } from '../../support/factories';
import { Assignment } from '../../../common/models';
import { DAY, makeAssignment, makeSubmission } from '../helpers';

describe('assignment management (/api/v2/admin/assignments)', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  const body = (classroomId: string | null) => ({
    title: 'Loops worksheet',
    description: '# Loops\nWrite three loops.',
    classroomId,
    kind: 'file',
    dueAt: new Date(Date.now() + 5 * DAY).toISOString(),
    maxPoints: 100,
    latePolicy: { acceptLate: true, penaltyPercentPerDay: 10, maxLateDays: 3 },
    maxAttempts: 2,
    allowedFileTypes: ['pdf', 'image/*'],
    maxFileBytes: 2_000_000,
  });

  before(async () => {
    app();
    school = await createSchool();
  });

  it('lets a teacher create an assignment for a classroom they teach (201), as a draft by default', async () => {
    const res = await request(app()).post('/api/v2/admin/assignments').set(bearer(school.teacher)).send(body(school.classroom.id)).expect(201);
    expect(res.body.data).to.include({ title: 'Loops worksheet', status: 'draft', classroomId: school.classroom.id, createdBy: school.teacher.id });
    expect(res.body.data.latePolicy).to.deep.equal({ acceptLate: true, penaltyPercentPerDay: 10, maxLateDays: 3 });
  });

  it('refuses a teacher a classroom they do not teach with 422', async () => {
    const res = await request(app()).post('/api/v2/admin/assignments').set(bearer(school.teacher)).send(body(school.other.id)).expect(422);
    expect(res.body.error.code).to.equal('CLASSROOM_NOT_TAUGHT');
  });

  it('keeps every-classroom assignments to admins (403 for a teacher)', async () => {
    await request(app()).post('/api/v2/admin/assignments').set(bearer(school.teacher)).send(body(null)).expect(403);
  });

  it('refuses unknown fields and a wrong kind with 400 by field', async () => {
    const res = await request(app())
      .post('/api/v2/admin/assignments')
      .set(bearer(school.teacher))
      .send({ ...body(school.classroom.id), kind: 'video', createdBy: school.admin.id })
      .expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).to.deep.equal(['createdBy', 'kind']);
  });

  it('answers 403 to a student', async () => {
    await request(app()).get('/api/v2/admin/assignments').set(bearer(school.student)).expect(403);
  });

  it("counts each status of students' newest attempts per assignment", async () => {
    const s = await createSchool();
    const a = await makeAssignment({ classroomId: s.classroom.id, maxAttempts: 3 });
    const third = await createUser({ role: 'student', classroomId: s.classroom.id });
    await makeSubmission(a, s.student, { attempt: 1, status: 'needs_revision' });
    await makeSubmission(a, s.student, { attempt: 2, status: 'graded', grade: 70 });
    await makeSubmission(a, s.classmate, { attempt: 1, status: 'late', daysLate: 1 });
    await makeSubmission(a, third, { attempt: 1, status: 'submitted' });
    const res = await request(app()).get('/api/v2/admin/assignments').set(bearer(s.teacher)).expect(200);
    const item = res.body.data.find((x: { id: string }) => x.id === a.id);
    expect(item.submissionCounts).to.deep.equal({ submitted: 1, late: 1, graded: 1, returned: 0, needs_revision: 0, total: 3 });
  });

  it("shows a teacher their classrooms' assignments and not another classroom's", async () => {
    const s = await createSchool();
    const own = await makeAssignment({ classroomId: s.classroom.id, status: 'draft' });
    const foreign = await makeAssignment({ classroomId: s.other.id });
    const res = await request(app()).get('/api/v2/admin/assignments?pageSize=100').set(bearer(s.teacher)).expect(200);
    const ids = res.body.data.map((x: { id: string }) => x.id);
    expect(ids).to.include(own.id);
    expect(ids).to.not.include(foreign.id);
  });

  it('filters by classroom and status and pages with the total', async () => {
    const s = await createSchool();
    await makeAssignment({ classroomId: s.classroom.id, status: 'published' });
    await makeAssignment({ classroomId: s.classroom.id, status: 'published' });
    await makeAssignment({ classroomId: s.classroom.id, status: 'draft' });
    const res = await request(app())
      .get(`/api/v2/admin/assignments?classroomId=${s.classroom.id}&status=published&pageSize=1`)
      .set(bearer(s.admin))
      .expect(200);
    expect(res.body.data).to.have.length(1);
    expect(res.body.meta).to.deep.equal({ page: 1, pageSize: 1, total: 2 });
  });

  it('lets the teacher publish their assignment with PATCH', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, status: 'draft' });
    const res = await request(app())
      .patch(`/api/v2/admin/assignments/${a.id}`)
      .set(bearer(school.teacher))
      .send({ status: 'published', maxPoints: 20 })
      .expect(200);
    expect(res.body.data).to.include({ status: 'published', maxPoints: 20 });
  });

  it("answers 404 to a teacher changing another classroom's assignment", async () => {
    const a = await makeAssignment({ classroomId: school.other.id });
    await request(app()).patch(`/api/v2/admin/assignments/${a.id}`).set(bearer(school.teacher)).send({ title: 'mine' }).expect(404);
    await request(app()).delete(`/api/v2/admin/assignments/${a.id}`).set(bearer(school.teacher)).expect(404);
  });

  it('deletes an assignment nobody handed anything in for (204)', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    await request(app()).delete(`/api/v2/admin/assignments/${a.id}`).set(bearer(school.teacher)).expect(204);
    expect(await Assignment.findByPk(a.id)).to.equal(null);
  });

  it('refuses a delete with body fields, naming them, and keeps the assignment', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    const res = await request(app()).delete(`/api/v2/admin/assignments/${a.id}`).set(bearer(school.teacher)).send({ force: true }).expect(400);
    expect((res.body.error.details as { field: string }[]).map((d) => d.field)).to.deep.equal(['force']);
    expect(await Assignment.findByPk(a.id)).to.not.equal(null);
  });

  it('archives instead of deleting when submissions exist, keeping the work', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    await makeSubmission(a, school.student);
    const res = await request(app()).delete(`/api/v2/admin/assignments/${a.id}`).set(bearer(school.teacher)).expect(200);
    expect(res.body.data.status).to.equal('archived');
    await request(app()).get(`/api/v2/tutorial/assignments/${a.id}`).set(bearer(school.student)).expect(404);
  });
});
