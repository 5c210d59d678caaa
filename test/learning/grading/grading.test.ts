import request from 'supertest';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { app } from '../../support/deps';
import { bearer, createSchool, tokenFor } from '../../support/factories';
import { startLiveServer, connectClient, nextEvent, type LiveServer } from '../../support/realtime';
import { HOUR, grade, makeAssignment, makeSubmission, submitText } from '../helpers';

describe('grading (PATCH /api/v2/admin/submissions/:id/grade)', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async () => {
    app();
    school = await createSchool();
  });

  it('round trip: the teacher grades a late attempt, the penalty is applied, the student sees grade and feedback, the history keeps the earlier grade', async () => {
    const a = await makeAssignment({
      classroomId: school.classroom.id,
      dueIn: -HOUR,
      acceptLate: true,
      latePenaltyPercent: 10,
      maxLateDays: 3,
      maxPoints: 50,
    });
    const id = (await submitText(school.student, a.id).expect(201)).body.data.id;

    const first = await grade(school.teacher, id, { grade: 40, feedback: 'Good, but late' }).expect(200);
    // 10 % of 50 points for one day late: 40 − 5
    expect(first.body.data).to.include({ status: 'graded', rawGrade: 40, grade: 35, feedback: 'Good, but late', gradedBy: school.teacher.id });

    await grade(school.teacher, id, { grade: 45, feedback: 'Regraded after review' }).expect(200);

    const seen = await request(app()).get(`/api/v2/tutorial/submissions/${id}`).set(bearer(school.student)).expect(200);
    expect(seen.body.data).to.include({ status: 'graded', rawGrade: 45, grade: 40, feedback: 'Regraded after review' });
    expect(seen.body.data.gradeHistory.map((g: { rawGrade: number; grade: number }) => [g.rawGrade, g.grade])).to.deep.equal([
      [40, 35],
      [45, 40],
    ]);
    const listed = await request(app()).get(`/api/v2/tutorial/assignments/${a.id}`).set(bearer(school.student)).expect(200);
    expect(listed.body.data.mine).to.include({ state: 'graded', grade: 40 });
  });

  it('never gives a grade below 0 after the penalty', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, dueIn: -HOUR, acceptLate: true, latePenaltyPercent: 50 });
    const id = (await submitText(school.student, a.id).expect(201)).body.data.id;
    const res = await grade(school.teacher, id, { grade: 20 }).expect(200);
    expect(res.body.data).to.include({ rawGrade: 20, grade: 0 });
  });

  it('refuses a grade above max_points with 422 GRADE_OUT_OF_RANGE', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, maxPoints: 10 });
    const s = await makeSubmission(a, school.student);
    const res = await grade(school.teacher, s.id, { grade: 10.5 }).expect(422);
    expect(res.body.error).to.deep.include({ code: 'GRADE_OUT_OF_RANGE' });
  });

  it('refuses a negative grade with 400', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    const s = await makeSubmission(a, school.student);
    await grade(school.teacher, s.id, { grade: -1 }).expect(400);
  });

  it('requires a grade to set status graded, but not to return work for revision', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    const s = await makeSubmission(a, school.student);
    await grade(school.teacher, s.id, { feedback: 'no number' }).expect(400);
    const res = await grade(school.teacher, s.id, { status: 'needs_revision', feedback: 'Try again' }).expect(200);
    expect(res.body.data).to.include({ status: 'needs_revision', grade: null, feedback: 'Try again' });
  });

  it('answers 404 to a teacher of another classroom and changes nothing', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    const s = await makeSubmission(a, school.student);
    await grade(school.otherTeacher, s.id, { grade: 90 }).expect(404);
    await s.reload();
    expect(s.grade).to.equal(null);
  });

  it('lets an admin grade any classroom', async () => {
    const a = await makeAssignment({ classroomId: school.other.id });
    const s = await makeSubmission(a, school.outsider);
    await grade(school.admin, s.id, { grade: 70 }).expect(200);
  });

  it('answers 403 to a student', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    const s = await makeSubmission(a, school.student);
    await grade(school.student, s.id, { grade: 100 }).expect(403);
  });

  describe('realtime', () => {
    let live: LiveServer;
    let socket: Socket | undefined;
    before(async () => {
      live = await startLiveServer();
    });
    after(async () => {
      socket?.close();
      await live.close();
    });

    it('pushes submission:graded to the student', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student);
      socket = await connectClient(live.url, tokenFor(school.student));
      const heard = nextEvent<Record<string, unknown>>(socket, 'submission:graded');
      await grade(school.teacher, s.id, { grade: 88 }).expect(200);
      expect(await heard).to.deep.equal({ submissionId: s.id, assignmentId: a.id, grade: 88, status: 'graded' });
    });
  });
});
