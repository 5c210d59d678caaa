import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { CodingTask, type User } from '../../common/models';
import { slugify } from '../../api/coding-lab/task-service';
import { testCase } from './helpers';

const BASE = '/api/v2/coding-lab';

/** Slugs, who lists which unpublished tasks, and the refusals of editing. */
describe('coding lab: task authoring edge cases', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  const token = `auth${Math.random().toString(36).slice(2, 8)}`;

  const taskBody = (overrides: Record<string, unknown> = {}) => ({
    title: `${token} task ${Math.random().toString(36).slice(2, 8)}`,
    description: 'Echo the input.',
    difficulty: 'easy',
    languages: ['python'],
    published: true,
    tests: [testCase({ name: 'echo', stdin: 'a', expected: 'a', sample: true })],
    ...overrides,
  });
  const create = (u: User, overrides: Record<string, unknown> = {}) => request(app()).post(`${BASE}/tasks`).set(bearer(u)).send(taskBody(overrides));
  const listed = async (u: User) => {
    const res = await request(app()).get(`${BASE}/tasks`).query({ q: token, pageSize: 100 }).set(bearer(u)).expect(200);
    return (res.body.data as { id: string }[]).map((t) => t.id);
  };

  before(async () => {
    app();
    school = await createSchool();
  });

  describe('slugs', () => {
    it('makes a slug of a title with nothing to keep "task"', () => {
      expect(slugify('¿¡!?')).to.equal('task');
    });

    it('keeps a slug to 60 characters without a trailing dash', () => {
      const slug = slugify(`${'a'.repeat(59)} bcd`);
      expect(slug).to.equal('a'.repeat(59));
    });

    it('numbers the slug of a second task with the same title', async () => {
      const title = `${token} Same Title`;
      const first = (await create(school.teacher, { title }).expect(201)).body.data.slug as string;
      const second = (await create(school.teacher, { title }).expect(201)).body.data.slug as string;
      expect(second).to.equal(`${first}-2`);
    });

    it('refuses renaming a task to a slug another task has with 409 SLUG_TAKEN', async () => {
      const taken = (await create(school.teacher).expect(201)).body.data.slug as string;
      const id = (await create(school.teacher).expect(201)).body.data.id as string;
      const res = await request(app()).patch(`${BASE}/tasks/${id}`).set(bearer(school.teacher)).send({ slug: taken }).expect(409);
      expect(res.body.error.code).to.equal('SLUG_TAKEN');
    });
  });

  describe('who lists what', () => {
    let draft: string;
    let classDraft: string;
    let published: string;
    let otherClass: string;
    before(async () => {
      draft = (await create(school.otherTeacher, { published: false }).expect(201)).body.data.id;
      classDraft = (await create(school.admin, { published: false, classroomId: school.classroom.id }).expect(201)).body.data.id;
      published = (await create(school.otherTeacher).expect(201)).body.data.id;
      otherClass = (await create(school.otherTeacher, { classroomId: school.other.id }).expect(201)).body.data.id;
    });

    it('lists every task to an admin, published or not', async () => {
      expect(await listed(school.admin)).to.include.members([draft, classDraft, published, otherClass]);
    });

    it("lists to a teacher the published tasks and the unpublished ones of classrooms they teach, not another teacher's draft", async () => {
      const ids = await listed(school.teacher);
      expect(ids).to.include.members([classDraft, published, otherClass]);
      expect(ids).not.to.include(draft);
    });

    it('lists to a student without a classroom only the published tasks open to every classroom', async () => {
      const loner = await createUser({ role: 'student' });
      const ids = await listed(loner);
      expect(ids).to.include(published);
      expect(ids).not.to.include.oneOf([draft, classDraft, otherClass]);
    });
  });

  describe('editing', () => {
    it("answers 404 to a teacher editing another teacher's unpublished task", async () => {
      const id = (await create(school.otherTeacher, { published: false }).expect(201)).body.data.id as string;
      await request(app()).patch(`${BASE}/tasks/${id}`).set(bearer(school.teacher)).send({ difficulty: 'hard' }).expect(404);
      expect((await CodingTask.findByPk(id))!.difficulty).to.equal('easy');
    });

    it('refuses moving a task to a classroom the teacher does not teach with 422 CLASSROOM_NOT_TAUGHT', async () => {
      const id = (await create(school.teacher).expect(201)).body.data.id as string;
      const res = await request(app()).patch(`${BASE}/tasks/${id}`).set(bearer(school.teacher)).send({ classroomId: school.other.id }).expect(422);
      expect(res.body.error.code).to.equal('CLASSROOM_NOT_TAUGHT');
    });

    it('lets a teacher limit their task to a classroom they teach, and open it again with null', async () => {
      const id = (await create(school.teacher).expect(201)).body.data.id as string;
      const limited = await request(app()).patch(`${BASE}/tasks/${id}`).set(bearer(school.teacher)).send({ classroomId: school.classroom.id });
      expect(limited.status).to.equal(200);
      expect(limited.body.data.classroomId).to.equal(school.classroom.id);
      const opened = await request(app()).patch(`${BASE}/tasks/${id}`).set(bearer(school.teacher)).send({ classroomId: null }).expect(200);
      expect(opened.body.data.classroomId).to.equal(null);
    });

    it('refuses a replacing test set with a broken regular expression and keeps the old tests', async () => {
      const id = (await create(school.teacher).expect(201)).body.data.id as string;
      const res = await request(app())
        .put(`${BASE}/tasks/${id}/tests`)
        .set(bearer(school.teacher))
        .send({ tests: [testCase({ name: 'r', expected: '[unclosed', comparison: 'regex' })] })
        .expect(400);
      expect(res.body.error.details[0].field).to.equal('tests.0.expected');
      const kept = await request(app()).get(`${BASE}/tasks/${id}`).set(bearer(school.teacher)).expect(200);
      expect(kept.body.data.tests.map((t: { name: string }) => t.name)).to.deep.equal(['echo']);
    });

    it('answers 404 to deleting a task that does not exist', async () => {
      await request(app()).delete(`${BASE}/tasks/00000000-0000-4000-8000-000000000000`).set(bearer(school.admin)).expect(404);
    });
  });
});
