import { expect } from 'chai';
import request from 'supertest';
import { apiDeps, app } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { WebAssignment, type User } from '../../common/models';
import { BASE, html, text } from './helpers';

/** Who lists, reads and changes which web-lab assignments, every-classroom ones included. */
describe('web lab: assignment scope', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  let own: string;
  let foreign: string;
  let teachersEveryClass: string;
  let othersEveryClass: string;
  let adminsEveryClass: string;

  const body = (classroomId: string | null, overrides: Record<string, unknown> = {}) => ({
    title: `Scope ${Math.random().toString(36).slice(2, 8)}`,
    description: 'x',
    classroomId,
    dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    checks: [],
    published: true,
    ...overrides,
  });
  const create = async (u: User, classroomId: string | null, overrides: Record<string, unknown> = {}) =>
    (await request(app()).post(`${BASE}/assignments`).set(bearer(u)).send(body(classroomId, overrides)).expect(201)).body.data.id as string;
  const listed = async (u: User, query = '') => {
    const res = await request(app()).get(`${BASE}/assignments?pageSize=100${query}`).set(bearer(u)).expect(200);
    return (res.body.data as { id: string }[]).map((a) => a.id);
  };

  before(async () => {
    app();
    school = await createSchool();
    own = await create(school.teacher, school.classroom.id);
    foreign = await create(school.otherTeacher, school.other.id);
    teachersEveryClass = await create(school.teacher, null);
    othersEveryClass = await create(school.otherTeacher, null, { published: false });
    adminsEveryClass = await create(school.admin, null);
  });
  // every-classroom assignments reach every student of the run: leave none behind
  after(async () => {
    await WebAssignment.destroy({ where: { id: [teachersEveryClass, othersEveryClass, adminsEveryClass] } });
  });

  it("lists to a teacher their classrooms' assignments and the every-classroom ones they wrote", async () => {
    const ids = await listed(school.teacher);
    expect(ids).to.include.members([own, teachersEveryClass]);
    expect(ids).not.to.include.oneOf([foreign, othersEveryClass, adminsEveryClass]);
  });

  it('lists to a student without a classroom the published every-classroom assignments only', async () => {
    const loner = await createUser({ role: 'student' });
    const ids = await listed(loner);
    expect(ids).to.include.members([teachersEveryClass, adminsEveryClass]);
    expect(ids).not.to.include.oneOf([own, foreign, othersEveryClass]);
  });

  it('narrows the list to one classroom with classroomId', async () => {
    expect(await listed(school.admin, `&classroomId=${school.other.id}`)).to.deep.equal([foreign]);
  });

  it("answers 404 to a teacher changing another teacher's every-classroom assignment, and lets its author change it", async () => {
    await request(app()).patch(`${BASE}/assignments/${othersEveryClass}`).set(bearer(school.teacher)).send({ title: 'Taken' }).expect(404);
    const res = await request(app()).patch(`${BASE}/assignments/${teachersEveryClass}`).set(bearer(school.teacher)).send({ title: 'Renamed' });
    expect(res.status).to.equal(200);
    expect(res.body.data.title).to.equal('Renamed');
  });

  it('lets an admin change any assignment', async () => {
    await request(app()).patch(`${BASE}/assignments/${foreign}`).set(bearer(school.admin)).send({ points: 50 }).expect(200);
    expect((await WebAssignment.findByPk(foreign))!.points).to.equal(50);
  });

  it('answers 404 to a teacher moving their assignment to a classroom they do not teach, and leaves it', async () => {
    const id = await create(school.teacher, school.classroom.id);
    await request(app()).patch(`${BASE}/assignments/${id}`).set(bearer(school.teacher)).send({ classroomId: school.other.id }).expect(404);
    expect((await WebAssignment.findByPk(id))!.classroomId).to.equal(school.classroom.id);
  });

  it('replaces the starter files, checked like any project files', async () => {
    const id = await create(school.teacher, school.classroom.id);
    const res = await request(app())
      .patch(`${BASE}/assignments/${id}`)
      .set(bearer(school.teacher))
      .send({ starterFiles: [text('index.html', html('<h1>Baru</h1>'))] })
      .expect(200);
    expect(res.body.data.starterFiles.map((f: { path: string }) => f.path)).to.deep.equal(['index.html']);
    const bad = await request(app())
      .patch(`${BASE}/assignments/${id}`)
      .set(bearer(school.teacher))
      .send({ starterFiles: [text('../up.html', 'x')] })
      .expect(400);
    expect(bad.body.error.code).to.equal('INVALID_PATH');
  });

  it('tells the classroom when a draft assignment is published by an edit', async () => {
    const id = await create(school.teacher, school.classroom.id, { published: false });
    expect(await apiDeps().queues.notifications.getJob(`web-published-${id}`)).to.equal(undefined);
    await request(app()).patch(`${BASE}/assignments/${id}`).set(bearer(school.teacher)).send({ published: true }).expect(200);
    const job = await apiDeps().queues.notifications.getJob(`web-published-${id}`);
    expect(job?.data).to.deep.include({ kind: 'fanout', audience: { kind: 'classroom', classroomId: school.classroom.id } });
  });
});
