import request from 'supertest';
import { expect } from 'chai';
import { app } from '../../support/deps';
import { bearer, createSchool } from '../../support/factories';
import { Assignment } from '../../../common/models';
import { DAY, makeAssignment } from '../helpers';

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

/** Assignment management's less travelled paths: every-classroom assignments, moves, search, unknown ids. */
describe('assignment management: edge cases', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  const body = (classroomId: string | null) => ({
    title: 'Edge worksheet',
    description: 'Work',
    classroomId,
    kind: 'text',
    dueAt: new Date(Date.now() + 5 * DAY).toISOString(),
    maxPoints: 10,
  });

  before(async () => {
    app();
    school = await createSchool();
  });
  // every-classroom assignments reach every student of the run: leave none behind
  const everyClassroom: string[] = [];
  after(async () => {
    await Assignment.destroy({ where: { id: everyClassroom } });
  });

  it('lets an admin create an assignment for every classroom', async () => {
    const res = await request(app()).post('/api/v2/admin/assignments').set(bearer(school.admin)).send(body(null)).expect(201);
    everyClassroom.push(res.body.data.id);
    expect(res.body.data.classroomId).to.equal(null);
  });

  it('refuses an admin a classroom that does not exist with 422 CLASSROOM_NOT_FOUND', async () => {
    const res = await request(app()).post('/api/v2/admin/assignments').set(bearer(school.admin)).send(body(NO_SUCH_ID)).expect(422);
    expect(res.body.error.code).to.equal('CLASSROOM_NOT_FOUND');
  });

  it('refuses a teacher changing an every-classroom assignment with 403, and leaves it', async () => {
    // a draft, so no other spec's student ever sees it in their every-classroom work
    const a = await makeAssignment({ classroomId: null, title: 'For all', status: 'draft' });
    everyClassroom.push(a.id);
    await request(app()).patch(`/api/v2/admin/assignments/${a.id}`).set(bearer(school.teacher)).send({ title: 'Mine now' }).expect(403);
    expect((await Assignment.findByPk(a.id))!.title).to.equal('For all');
  });

  it('lets an admin change any assignment', async () => {
    const a = await makeAssignment({ classroomId: school.other.id });
    const res = await request(app()).patch(`/api/v2/admin/assignments/${a.id}`).set(bearer(school.admin)).send({ maxPoints: 50 }).expect(200);
    expect(res.body.data.maxPoints).to.equal(50);
  });

  it('answers 404 to changing or deleting an assignment that does not exist', async () => {
    await request(app()).patch(`/api/v2/admin/assignments/${NO_SUCH_ID}`).set(bearer(school.admin)).send({ title: 'x' }).expect(404);
    await request(app()).delete(`/api/v2/admin/assignments/${NO_SUCH_ID}`).set(bearer(school.admin)).expect(404);
  });

  it('refuses a teacher moving their assignment to a classroom they do not teach with 422, and leaves it', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    const res = await request(app())
      .patch(`/api/v2/admin/assignments/${a.id}`)
      .set(bearer(school.teacher))
      .send({ classroomId: school.other.id })
      .expect(422);
    expect(res.body.error.code).to.equal('CLASSROOM_NOT_TAUGHT');
    expect((await Assignment.findByPk(a.id))!.classroomId).to.equal(school.classroom.id);
  });

  it('refuses a teacher making their assignment every-classroom with 403', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id });
    await request(app()).patch(`/api/v2/admin/assignments/${a.id}`).set(bearer(school.teacher)).send({ classroomId: null }).expect(403);
  });

  it('finds assignments by a part of their title with q, and answers an empty page with a total of 0 otherwise', async () => {
    const word = `zq${Math.random().toString(36).slice(2, 8)}`;
    const a = await makeAssignment({ classroomId: school.classroom.id, title: `Project ${word} one` });
    const found = await request(app()).get(`/api/v2/admin/assignments?q=${word.toUpperCase()}`).set(bearer(school.teacher)).expect(200);
    expect(found.body.data.map((x: { id: string }) => x.id)).to.deep.equal([a.id]);
    const none = await request(app()).get(`/api/v2/admin/assignments?q=${word}x`).set(bearer(school.teacher)).expect(200);
    expect(none.body).to.deep.equal({ data: [], meta: { page: 1, pageSize: 20, total: 0 } });
  });
  it('shows a teacher an every-classroom assignment and their own drafts, and answers 404 for another classroom', async () => {
    const everyone = await makeAssignment({ classroomId: null, status: 'draft' });
    everyClassroom.push(everyone.id);
    const own = await makeAssignment({ classroomId: school.classroom.id, status: 'draft' });
    const foreign = await makeAssignment({ classroomId: school.other.id });
    await request(app()).get(`/api/v2/tutorial/assignments/${everyone.id}`).set(bearer(school.teacher)).expect(200);
    const res = await request(app()).get(`/api/v2/tutorial/assignments/${own.id}`).set(bearer(school.teacher)).expect(200);
    expect(res.body.data).to.include({ id: own.id, status: 'draft' });
    await request(app()).get(`/api/v2/tutorial/assignments/${foreign.id}`).set(bearer(school.teacher)).expect(404);
    await request(app()).get(`/api/v2/tutorial/assignments/${NO_SUCH_ID}`).set(bearer(school.admin)).expect(404);
  });
});
