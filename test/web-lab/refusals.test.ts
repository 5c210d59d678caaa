import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { makeZip } from '../support/zips';
import { WebEvaluation, WebProject, type User } from '../../common/models';
import { BASE, PASSING, html } from './helpers';

const RUBRIC_KEYS = ['html', 'css', 'js', 'quality', 'creativity'];

/** The web lab's refusals around drafts, submissions and grading, and the class list's filters. */
describe('web lab: refusals and class lists', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async () => {
    app();
    school = await createSchool();
  });

  const newAssignment = async (overrides: Record<string, unknown> = {}) =>
    (
      await request(app())
        .post(`${BASE}/assignments`)
        .set(bearer(school.teacher))
        .send({
          title: `Refusals ${Math.random().toString(36).slice(2, 8)}`,
          description: 'x',
          classroomId: school.classroom.id,
          dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          checks: [],
          published: true,
          ...overrides,
        })
        .expect(201)
    ).body.data.id as string;
  const saveDraft = (u: User, assignmentId: string, ifMatch = '"0"') =>
    request(app()).put(`${BASE}/assignments/${assignmentId}/draft`).set(bearer(u)).set('If-Match', ifMatch).send({ files: PASSING });
  const submit = (u: User, assignmentId: string) => request(app()).post(`${BASE}/submissions`).set(bearer(u)).send({ assignmentId });
  const evaluate = (versionId: string, body: Record<string, unknown>) =>
    request(app()).patch(`${BASE}/submissions/${versionId}/evaluation`).set(bearer(school.teacher)).send(body);
  const allScores = (n: number) => RUBRIC_KEYS.map((key) => ({ key, score: n }));

  describe('drafts and submissions', () => {
    it('refuses submitting before any file was saved with 422 EMPTY_PROJECT', async () => {
      const id = await newAssignment();
      const res = await submit(school.student, id).expect(422);
      expect(res.body.error.code).to.equal('EMPTY_PROJECT');
    });

    it('answers 404 to a student saving a draft for an assignment that was unpublished', async () => {
      const id = await newAssignment();
      await saveDraft(school.student, id).expect(200);
      await request(app()).patch(`${BASE}/assignments/${id}`).set(bearer(school.teacher)).send({ published: false }).expect(200);
      await saveDraft(school.student, id, '"1"').expect(404);
    });

    it('refuses a ZIP upload without If-Match with 428', async () => {
      const id = await newAssignment();
      const zip = await makeZip([{ name: 'index.html', data: Buffer.from(html('<h1>Zip</h1>')) }]);
      await request(app()).post(`${BASE}/assignments/${id}/draft/upload`).set(bearer(school.student)).attach('archive', zip, 'site.zip').expect(428);
      expect(await WebProject.count({ where: { assignmentId: id } })).to.equal(0);
    });

    it('refuses a teacher keeping a draft with 403', async () => {
      const id = await newAssignment();
      await saveDraft(school.teacher, id).expect(403);
    });

    describe('once the project is graded', () => {
      let assignmentId: string;
      before(async () => {
        assignmentId = await newAssignment();
        await saveDraft(school.classmate, assignmentId).expect(200);
        const versionId = (await submit(school.classmate, assignmentId).expect(202)).body.data.id as string;
        await evaluate(versionId, { scores: allScores(15), status: 'graded' }).expect(200);
      });

      it('refuses a new draft with 409 PROJECT_GRADED', async () => {
        const current = (await request(app()).get(`${BASE}/assignments/${assignmentId}/draft`).set(bearer(school.classmate)).expect(200)).headers
          .etag as string;
        const res = await saveDraft(school.classmate, assignmentId, current).expect(409);
        expect(res.body.error.code).to.equal('PROJECT_GRADED');
      });

      it('refuses a new submission with 409 PROJECT_GRADED', async () => {
        const res = await submit(school.classmate, assignmentId).expect(409);
        expect(res.body.error.code).to.equal('PROJECT_GRADED');
      });
    });
  });

  describe('grading', () => {
    let versionId: string;
    before(async () => {
      const id = await newAssignment();
      await saveDraft(school.student, id).expect(200);
      versionId = (await submit(school.student, id).expect(202)).body.data.id;
    });

    it('refuses a score for a criterion the rubric does not have with 400 UNKNOWN_CRITERION, storing nothing', async () => {
      const res = await evaluate(versionId, { scores: [...allScores(10), { key: 'speed', score: 1 }], status: 'graded' }).expect(400);
      expect(res.body.error.code).to.equal('UNKNOWN_CRITERION');
      expect(await WebEvaluation.count({ where: { versionId } })).to.equal(0);
    });

    it('refuses an evaluation that leaves a criterion unscored with 400 MISSING_CRITERIA naming it', async () => {
      const res = await evaluate(versionId, { scores: allScores(10).slice(0, 4), status: 'graded' }).expect(400);
      expect(res.body.error.code).to.equal('MISSING_CRITERIA');
      expect(res.body.error.message).to.contain('creativity');
    });
  });

  describe('class lists', () => {
    let assignmentId: string;
    before(async () => {
      assignmentId = await newAssignment();
      await saveDraft(school.student, assignmentId).expect(200);
      await saveDraft(school.classmate, assignmentId).expect(200);
      await submit(school.classmate, assignmentId).expect(202);
    });
    const list = (u: User, query = '') => request(app()).get(`${BASE}/assignments/${assignmentId}/projects${query}`).set(bearer(u)).expect(200);

    it('shows a project that was only saved with no latest version', async () => {
      const res = await list(school.teacher);
      const draftOnly = res.body.data.find((p: { student: { id: string } }) => p.student.id === school.student.id);
      expect(draftOnly).to.include({ status: 'draft', latestVersion: null });
    });

    it('filters the projects by status', async () => {
      const res = await list(school.teacher, '?status=submitted');
      expect(res.body.data.map((p: { student: { id: string } }) => p.student.id)).to.deep.equal([school.classmate.id]);
      expect(res.body.meta.total).to.equal(1);
    });

    it('lists every project to an admin, and a total of 0 past the end', async () => {
      expect((await list(school.admin)).body.meta.total).to.equal(2);
      const past = await list(school.admin, '?page=5');
      expect(past.body.data).to.deep.equal([]);
      expect(past.body.meta.total).to.equal(0);
    });
  });
});
