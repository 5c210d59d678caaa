import request from 'supertest';
import { expect } from 'chai';
import { app } from '../../support/deps';
import { bearer, createSchool } from '../../support/factories';
import { DAY, HOUR, grade, makeAssignment, makeSubmission, submitText } from '../helpers';

describe('submissions (/api/v2/tutorial/submissions)', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async () => {
    app();
    school = await createSchool();
  });

  describe('POST', () => {
    it('hands in text on time as attempt 1 with status submitted (201)', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const res = await submitText(school.student, a.id, 'A loop repeats.').expect(201);
      expect(res.body.data).to.include({ assignmentId: a.id, studentId: school.student.id, attempt: 1, status: 'submitted', daysLate: 0 });
      expect(res.body.data.content).to.equal('A loop repeats.');
    });

    it('refuses an empty text for a text assignment with 400 on content', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const res = await submitText(school.student, a.id, '  ').expect(400);
      expect(res.body.error.details[0].field).to.equal('content');
    });

    it('accepts an http(s) link for a link assignment and refuses anything else', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'link', maxAttempts: 2 });
      await submitText(school.student, a.id, 'javascript:alert(1)').expect(400);
      await submitText(school.student, a.id, 'https://github.com/ayu/loops').expect(201);
    });

    it('refuses a body field it does not know, such as studentId', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const res = await request(app())
        .post('/api/v2/tutorial/submissions')
        .set(bearer(school.student))
        .send({ assignmentId: a.id, content: 'x', studentId: school.classmate.id })
        .expect(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['studentId']);
    });

    it('reads multipart fields like JSON', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const res = await request(app())
        .post('/api/v2/tutorial/submissions')
        .set(bearer(school.student))
        .field('assignmentId', a.id)
        .field('content', 'sent as a form')
        .expect(201);
      expect(res.body.data.content).to.equal('sent as a form');
    });

    it('answers 404 for a draft or another classroom’s assignment', async () => {
      const draft = await makeAssignment({ classroomId: school.classroom.id, status: 'draft' });
      const other = await makeAssignment({ classroomId: school.other.id });
      await submitText(school.student, draft.id).expect(404);
      await submitText(school.student, other.id).expect(404);
    });

    it('answers 403 to a teacher', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      await submitText(school.teacher, a.id).expect(403);
    });

    describe('late policy', () => {
      it('refuses late work with 422 DEADLINE_PASSED when late work is not accepted', async () => {
        const a = await makeAssignment({ classroomId: school.classroom.id, dueIn: -HOUR, acceptLate: false });
        const res = await submitText(school.student, a.id).expect(422);
        expect(res.body.error.code).to.equal('DEADLINE_PASSED');
        expect(res.body.error.details).to.include({ daysLate: 1, reason: 'LATE_NOT_ACCEPTED' });
      });

      it('accepts work an hour late as late, one day, with one day of penalty', async () => {
        const a = await makeAssignment({ classroomId: school.classroom.id, dueIn: -HOUR, acceptLate: true, latePenaltyPercent: 10, maxLateDays: 2 });
        const res = await submitText(school.student, a.id).expect(201);
        expect(res.body.data).to.include({ status: 'late', daysLate: 1, penaltyPercent: 10 });
      });

      it('accepts work on the last allowed day', async () => {
        const a = await makeAssignment({
          classroomId: school.classroom.id,
          dueIn: -(DAY + HOUR),
          acceptLate: true,
          latePenaltyPercent: 5,
          maxLateDays: 2,
        });
        const res = await submitText(school.student, a.id).expect(201);
        expect(res.body.data).to.include({ status: 'late', daysLate: 2, penaltyPercent: 10 });
      });

      it('refuses work beyond the maximum days late with 422 DEADLINE_PASSED', async () => {
        const a = await makeAssignment({
          classroomId: school.classroom.id,
          dueIn: -(2 * DAY + HOUR),
          acceptLate: true,
          latePenaltyPercent: 5,
          maxLateDays: 2,
        });
        const res = await submitText(school.student, a.id).expect(422);
        expect(res.body.error.details).to.include({ daysLate: 3, reason: 'TOO_LATE' });
      });
    });

    describe('attempts', () => {
      it('numbers attempts and refuses one beyond max_attempts with 409', async () => {
        const a = await makeAssignment({ classroomId: school.classroom.id, maxAttempts: 2 });
        expect((await submitText(school.student, a.id).expect(201)).body.data.attempt).to.equal(1);
        expect((await submitText(school.student, a.id).expect(201)).body.data.attempt).to.equal(2);
        const res = await submitText(school.student, a.id).expect(409);
        expect(res.body.error).to.deep.include({ code: 'MAX_ATTEMPTS_REACHED', details: { maxAttempts: 2 } });
      });

      it('counts attempts per student, not per assignment', async () => {
        const a = await makeAssignment({ classroomId: school.classroom.id, maxAttempts: 1 });
        await submitText(school.student, a.id).expect(201);
        await submitText(school.classmate, a.id).expect(201);
      });

      it('never gives two attempts the same number when sent at once', async () => {
        const a = await makeAssignment({ classroomId: school.classroom.id, maxAttempts: 1 });
        const results = await Promise.all([submitText(school.student, a.id), submitText(school.student, a.id), submitText(school.student, a.id)]);
        expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409, 409]);
      });
    });
  });

  describe('PATCH by the student', () => {
    it('replaces the content of an attempt nobody has reviewed', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const id = (await submitText(school.student, a.id, 'first').expect(201)).body.data.id;
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${id}`)
        .set(bearer(school.student))
        .send({ content: 'better' })
        .expect(200);
      expect(res.body.data).to.include({ content: 'better', status: 'submitted', attempt: 1 });
    });

    it('lets the student rework an attempt sent back for revision, which goes back to submitted', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student, { status: 'needs_revision', feedback: 'Redo part 2' });
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.student))
        .send({ content: 'part 2 redone' })
        .expect(200);
      expect(res.body.data).to.include({ status: 'submitted', content: 'part 2 redone', attempt: 1 });
    });

    it('drops the grade a revision request carried once the student hands the attempt in again; the history keeps it', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const id = (await submitText(school.student, a.id, 'first').expect(201)).body.data.id;
      await grade(school.teacher, id, { grade: 30, status: 'needs_revision', feedback: 'Redo part 2' }).expect(200);
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${id}`)
        .set(bearer(school.student))
        .send({ content: 'redone' })
        .expect(200);
      expect(res.body.data).to.include({ status: 'submitted', grade: null, rawGrade: null, gradedBy: null, gradedAt: null });
      expect(res.body.data.gradeHistory.map((g: { rawGrade: number; status: string }) => [g.rawGrade, g.status])).to.deep.equal([
        [30, 'needs_revision'],
      ]);
      const listed = await request(app()).get(`/api/v2/tutorial/assignments/${a.id}`).set(bearer(school.student)).expect(200);
      expect(listed.body.data.mine).to.include({ state: 'submitted', grade: null });
    });

    it('refuses a change after grading with 409 SUBMISSION_LOCKED', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student, { status: 'graded', grade: 50 });
      const res = await request(app()).patch(`/api/v2/tutorial/submissions/${s.id}`).set(bearer(school.student)).send({ content: 'x' }).expect(409);
      expect(res.body.error.code).to.equal('SUBMISSION_LOCKED');
    });

    it('refuses a change once the deadline no longer allows it, with 422 DEADLINE_PASSED', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, dueIn: -HOUR });
      const s = await makeSubmission(a, school.student, { submittedAt: new Date(Date.now() - 2 * HOUR) });
      const res = await request(app()).patch(`/api/v2/tutorial/submissions/${s.id}`).set(bearer(school.student)).send({ content: 'x' }).expect(422);
      expect(res.body.error.code).to.equal('DEADLINE_PASSED');
    });

    it('marks a rework handed in after the deadline late, with its days late', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, dueIn: -HOUR, acceptLate: true, latePenaltyPercent: 10, maxLateDays: 3 });
      const s = await makeSubmission(a, school.student, { status: 'needs_revision', submittedAt: new Date(Date.now() - 2 * HOUR) });
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.student))
        .send({ content: 'reworked late' })
        .expect(200);
      expect(res.body.data).to.include({ status: 'late', daysLate: 1 });
    });

    it('refuses replacing the link of a link assignment with something that is not an http(s) link', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'link' });
      const s = await makeSubmission(a, school.student, { content: 'https://example.org/mine' });
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.student))
        .send({ content: 'ftp://example.org/mine' })
        .expect(400);
      expect(res.body.error.details[0]).to.include({ field: 'content', type: 'string.uri' });
    });

    it('refuses an empty change with 400', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student);
      await request(app()).patch(`/api/v2/tutorial/submissions/${s.id}`).set(bearer(school.student)).send({}).expect(400);
    });

    it('refuses a student setting status or feedback with 400', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student);
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.student))
        .send({ status: 'returned' })
        .expect(400);
      expect(res.body.error.details[0].field).to.equal('status');
    });
  });

  describe('PATCH by a teacher', () => {
    it('lets the classroom’s teacher ask for a revision with feedback, and the student sees it', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, maxAttempts: 2 });
      const s = await makeSubmission(a, school.student);
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.teacher))
        .send({ status: 'needs_revision', feedback: 'Add a for-loop example' })
        .expect(200);
      expect(res.body.data).to.include({ status: 'needs_revision', feedback: 'Add a for-loop example' });
      const seen = await request(app()).get(`/api/v2/tutorial/submissions/${s.id}`).set(bearer(school.student)).expect(200);
      expect(seen.body.data).to.include({ status: 'needs_revision', feedback: 'Add a for-loop example' });
    });

    it('records who handed the work back and when, on the attempt as in its history', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student);
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.teacher))
        .send({ status: 'returned', feedback: 'Seen' })
        .expect(200);
      expect(res.body.data).to.include({ status: 'returned', gradedBy: school.teacher.id });
      expect(res.body.data.gradedAt).to.be.a('string');
      expect(res.body.data.gradeHistory.map((g: { gradedBy: string; gradedAt: string }) => [g.gradedBy, g.gradedAt])).to.deep.equal([
        [school.teacher.id, res.body.data.gradedAt],
      ]);
    });

    it('refuses a teacher changing the student’s content with 400', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student);
      await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.teacher))
        .send({ content: 'mine now', status: 'returned' })
        .expect(400);
    });

    it('refuses a teacher change without a status, naming status as required', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student);
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.teacher))
        .send({ feedback: 'Looks fine' })
        .expect(400);
      expect(res.body.error.details.map((d: { field: string; type: string }) => [d.field, d.type])).to.deep.equal([['status', 'any.required']]);
    });

    it('names both the content and the missing status when a teacher sends content alone', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student);
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${s.id}`)
        .set(bearer(school.teacher))
        .send({ content: 'mine now' })
        .expect(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['content', 'status']);
    });

    it('answers 404 to a teacher of another classroom', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const s = await makeSubmission(a, school.student);
      await request(app()).patch(`/api/v2/tutorial/submissions/${s.id}`).set(bearer(school.otherTeacher)).send({ status: 'returned' }).expect(404);
      await request(app()).get(`/api/v2/tutorial/submissions/${s.id}`).set(bearer(school.otherTeacher)).expect(404);
    });
  });

  describe('GET list', () => {
    it('shows a student only their own submissions', async () => {
      const s = await createSchool();
      const a = await makeAssignment({ classroomId: s.classroom.id });
      const own = await makeSubmission(a, s.student);
      await makeSubmission(a, s.classmate);
      const res = await request(app()).get('/api/v2/tutorial/submissions').set(bearer(s.student)).expect(200);
      expect(res.body.data.map((x: { id: string }) => x.id)).to.deep.equal([own.id]);
      expect(res.body.meta.total).to.equal(1);
    });

    it('ignores a studentId filter from a student', async () => {
      const s = await createSchool();
      const a = await makeAssignment({ classroomId: s.classroom.id });
      await makeSubmission(a, s.classmate);
      const res = await request(app()).get(`/api/v2/tutorial/submissions?studentId=${s.classmate.id}`).set(bearer(s.student)).expect(200);
      expect(res.body.data).to.deep.equal([]);
    });

    it('shows a teacher the submissions of their classrooms only, filterable by assignment, student and status', async () => {
      const s = await createSchool();
      const a = await makeAssignment({ classroomId: s.classroom.id });
      const b = await makeAssignment({ classroomId: s.other.id });
      const x = await makeSubmission(a, s.student, { status: 'late' });
      const y = await makeSubmission(a, s.classmate);
      await makeSubmission(b, s.outsider);
      const get = async (q: string) =>
        (await request(app()).get(`/api/v2/tutorial/submissions${q}`).set(bearer(s.teacher)).expect(200)).body.data
          .map((r: { id: string }) => r.id)
          .sort();
      expect(await get('')).to.deep.equal([x.id, y.id].sort());
      expect(await get(`?assignmentId=${b.id}`)).to.deep.equal([]);
      expect(await get(`?studentId=${s.classmate.id}`)).to.deep.equal([y.id]);
      expect(await get('?status=late')).to.deep.equal([x.id]);
    });
  });

  describe("another student's submission (BOLA)", () => {
    it('answers 404 on GET and PATCH, and keeps it out of lists, for student A on student B’s submission (grading is 403 for any student)', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id });
      const theirs = await makeSubmission(a, school.classmate);
      const asA = bearer(school.student);
      await request(app()).get(`/api/v2/tutorial/submissions/${theirs.id}`).set(asA).expect(404);
      await request(app()).patch(`/api/v2/tutorial/submissions/${theirs.id}`).set(asA).send({ content: 'hijack' }).expect(404);
      await request(app()).patch(`/api/v2/admin/submissions/${theirs.id}/grade`).set(asA).send({ grade: 100 }).expect(403);
      const list = await request(app()).get(`/api/v2/tutorial/submissions?assignmentId=${a.id}`).set(asA).expect(200);
      expect(list.body.data.map((x: { id: string }) => x.id)).to.not.include(theirs.id);
      const detail = await request(app()).get(`/api/v2/tutorial/assignments/${a.id}`).set(asA).expect(200);
      expect(detail.body.data.submissions).to.deep.equal([]);
    });
  });
});
