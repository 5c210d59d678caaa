import request from 'supertest';
import { expect } from 'chai';
import { app } from '../../support/deps';
import { bearer, createSchool } from '../../support/factories';
import { DAY, makeAssignment, makeSubmission } from '../helpers';
import type { Assignment } from '../../../common/models';

describe('student assignments (GET /api/v2/tutorial/assignments)', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  let mine: Assignment;
  let everyone: Assignment;
  let draft: Assignment;
  let otherClass: Assignment;
  let archived: Assignment;

  before(async () => {
    app();
    school = await createSchool();
    mine = await makeAssignment({ classroomId: school.classroom.id, title: 'Essay on loops', dueIn: 3 * DAY });
    everyone = await makeAssignment({ classroomId: null, title: 'School survey', dueIn: 1 * DAY });
    draft = await makeAssignment({ classroomId: school.classroom.id, title: 'Draft idea', status: 'draft' });
    otherClass = await makeAssignment({ classroomId: school.other.id, title: 'Other class work' });
    archived = await makeAssignment({ classroomId: school.classroom.id, title: 'Old work', status: 'archived' });
  });

  // an every-classroom assignment reaches every student of the run: leave none behind
  after(async () => everyone.destroy());

  const list = (query = '') => request(app()).get(`/api/v2/tutorial/assignments${query}`).set(bearer(school.student));

  it("lists the published assignments of the student's classroom and of every classroom, by due date", async () => {
    const res = await list().expect(200);
    expect(res.body.data.map((a: { id: string }) => a.id)).to.deep.equal([everyone.id, mine.id]);
    expect(res.body.meta).to.deep.equal({ page: 1, pageSize: 20, total: 2 });
  });

  it('never lists drafts, archived work or another classroom’s assignments', async () => {
    const ids = (await list().expect(200)).body.data.map((a: { id: string }) => a.id);
    expect(ids).to.not.include.members([draft.id, otherClass.id, archived.id]);
  });

  it('sorts by due date descending on request', async () => {
    const res = await list('?sort=-dueAt').expect(200);
    expect(res.body.data.map((a: { id: string }) => a.id)).to.deep.equal([mine.id, everyone.id]);
  });

  it('pages the list and keeps the total', async () => {
    const res = await list('?page=2&pageSize=1').expect(200);
    expect(res.body.data.map((a: { id: string }) => a.id)).to.deep.equal([mine.id]);
    expect(res.body.meta).to.deep.equal({ page: 2, pageSize: 1, total: 2 });
  });

  it('answers an empty page past the end with the real total', async () => {
    const res = await list('?page=5&pageSize=1').expect(200);
    expect(res.body).to.deep.equal({ data: [], meta: { page: 5, pageSize: 1, total: 2 } });
  });

  it('searches title and description with q, treating % literally', async () => {
    expect((await list('?q=loops').expect(200)).body.data.map((a: { id: string }) => a.id)).to.deep.equal([mine.id]);
    expect((await list('?q=%25').expect(200)).body.meta.total).to.equal(0);
  });

  it("carries the student's own state on each item", async () => {
    const res = await list().expect(200);
    const item = res.body.data.find((a: { id: string }) => a.id === mine.id);
    expect(item.mine).to.deep.equal({
      state: 'pending',
      attemptsUsed: 0,
      attemptsLeft: 1,
      latestSubmissionId: null,
      latestStatus: null,
      submittedAt: null,
      grade: null,
    });
    expect(item.latePolicy).to.deep.equal({ acceptLate: false, penaltyPercentPerDay: 0, maxLateDays: null });
  });

  it('filters by the student’s state: pending, submitted, graded, overdue', async () => {
    const s = await createSchool();
    const pending = await makeAssignment({ classroomId: s.classroom.id });
    const submitted = await makeAssignment({ classroomId: s.classroom.id });
    const graded = await makeAssignment({ classroomId: s.classroom.id });
    const overdue = await makeAssignment({ classroomId: s.classroom.id, dueIn: -DAY });
    const revise = await makeAssignment({ classroomId: s.classroom.id, dueIn: -DAY });
    await makeSubmission(submitted, s.student);
    await makeSubmission(graded, s.student, { status: 'graded', grade: 80 });
    await makeSubmission(revise, s.student, { status: 'needs_revision' });
    const ids = async (status: string) =>
      (await request(app()).get(`/api/v2/tutorial/assignments?status=${status}`).set(bearer(s.student)).expect(200)).body.data
        .map((a: { id: string }) => a.id)
        .filter((id: string) => id !== everyone.id)
        .sort();
    expect(await ids('pending')).to.deep.equal([pending.id]);
    expect(await ids('submitted')).to.deep.equal([submitted.id]);
    expect(await ids('graded')).to.deep.equal([graded.id]);
    expect(await ids('overdue')).to.deep.equal([overdue.id, revise.id].sort());
  });

  it('refuses an unknown filter value with 400 naming the field', async () => {
    const res = await list('?status=lost').expect(400);
    expect(res.body.error.details[0].field).to.equal('query.status');
  });

  it('answers 403 to a teacher, whose assignments live under /admin', async () => {
    await request(app()).get('/api/v2/tutorial/assignments').set(bearer(school.teacher)).expect(403);
  });

  it('answers 401 without a token', async () => {
    await request(app()).get('/api/v2/tutorial/assignments').expect(401);
  });

  describe('GET /api/v2/tutorial/assignments/:id', () => {
    const one = (id: string) => request(app()).get(`/api/v2/tutorial/assignments/${id}`).set(bearer(school.student));

    it('shows a visible assignment with the student’s own attempts', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, maxAttempts: 2 });
      await makeSubmission(a, school.student, { attempt: 1, status: 'needs_revision' });
      await makeSubmission(a, school.classmate, { attempt: 1 });
      const res = await one(a.id).expect(200);
      expect(res.body.data.submissions).to.have.length(1);
      expect(res.body.data.submissions[0].studentId).to.equal(school.student.id);
      expect(res.body.data.mine).to.include({ attemptsUsed: 1, attemptsLeft: 1, latestStatus: 'needs_revision' });
    });

    it('answers 404 for another classroom’s assignment', async () => {
      await one(otherClass.id).expect(404);
    });

    it('answers 404 for a draft of the student’s own classroom', async () => {
      await one(draft.id).expect(404);
    });

    it('shows a teacher a draft of a classroom they teach, without a student state', async () => {
      const res = await request(app()).get(`/api/v2/tutorial/assignments/${draft.id}`).set(bearer(school.teacher)).expect(200);
      expect(res.body.data).to.include({ id: draft.id, status: 'draft' });
      expect(res.body.data).to.not.have.property('mine');
    });

    it('answers 404 to a teacher for a classroom they do not teach', async () => {
      await request(app()).get(`/api/v2/tutorial/assignments/${otherClass.id}`).set(bearer(school.teacher)).expect(404);
    });

    it('answers 404 for an id that does not exist and 400 for one that is not a uuid', async () => {
      await one('4b7c8a30-5a37-4d4e-9d43-3a3c6f1f1f1f').expect(404);
      await one('42').expect(400);
    });
  });
});
