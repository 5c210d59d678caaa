import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { testCase } from './helpers';

const BASE = '/api/v2/coding-lab';

describe('coding lab: tasks', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  let taskId: string;
  let slug: string;

  const taskBody = (overrides: Record<string, unknown> = {}) => ({
    title: `Sum of numbers ${Math.random().toString(36).slice(2, 8)}`,
    description: 'Print the **sum** of the numbers on stdin.',
    difficulty: 'easy',
    tags: ['loops', 'io'],
    languages: ['javascript', 'python'],
    starterCode: { python: 'import sys\n' },
    published: true,
    tests: [
      testCase({ name: 'two numbers', stdin: '1 2', expected: '3', sample: true }),
      testCase({ name: 'secret big', stdin: '1000000 2000000', expected: '3000000', visibility: 'hide' }),
      testCase({ name: 'negative', stdin: '-1 -2', expected: '-3', visibility: 'hide_if_succeed' }),
    ],
    ...overrides,
  });

  before(async () => {
    app(); // binds the models
    school = await createSchool();
    const res = await request(app()).post(`${BASE}/tasks`).set(bearer(school.teacher)).send(taskBody()).expect(201);
    taskId = res.body.data.id;
    slug = res.body.data.slug;
  });

  it('lets a teacher create a task and answers with every test in full', async () => {
    const res = await request(app()).post(`${BASE}/tasks`).set(bearer(school.teacher)).send(taskBody()).expect(201);
    expect(res.body.data.tests).to.have.length(3);
    expect(res.body.data.tests[1]).to.include({ name: 'secret big', stdin: '1000000 2000000', visibility: 'hide' });
    expect(res.body.data).to.include({ timeLimitMs: 2000, memoryLimitMb: 128, scoring: 'partial', maxScore: 3 });
    expect(res.body.data.slug).to.match(/^sum-of-numbers-/);
  });

  it('refuses task creation by a student with 403', async () => {
    await request(app()).post(`${BASE}/tasks`).set(bearer(school.student)).send(taskBody()).expect(403);
  });

  it('refuses unknown fields and a broken regex test with per-field details', async () => {
    const res = await request(app())
      .post(`${BASE}/tasks`)
      .set(bearer(school.teacher))
      .send(taskBody({ createdBy: school.admin.id }))
      .expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include('createdBy');
    const bad = await request(app())
      .post(`${BASE}/tasks`)
      .set(bearer(school.teacher))
      .send(taskBody({ tests: [testCase({ name: 'r', expected: '(', comparison: 'regex' })] }))
      .expect(400);
    expect(bad.body.error.details[0].field).to.equal('tests.0.expected');
  });

  it('answers 409 for a slug that is taken', async () => {
    const res = await request(app()).post(`${BASE}/tasks`).set(bearer(school.teacher)).send(taskBody({ slug })).expect(409);
    expect(res.body.error.code).to.equal('SLUG_TAKEN');
  });

  it('shows a student the task with its sample tests only, never a hidden test', async () => {
    const res = await request(app()).get(`${BASE}/tasks/${taskId}`).set(bearer(school.student)).expect(200);
    expect(res.body.data.samples).to.deep.equal([
      { id: res.body.data.samples[0].id, name: 'two numbers', stdin: '1 2', expected: '3', comparison: 'trim' },
    ]);
    expect(res.body.data).to.not.have.property('tests');
    expect(JSON.stringify(res.body)).to.not.include('2000000');
    expect(res.body.data.testCount).to.equal(3);
  });

  it('finds a task by its slug', async () => {
    const res = await request(app()).get(`${BASE}/tasks/${slug}`).set(bearer(school.student)).expect(200);
    expect(res.body.data.id).to.equal(taskId);
  });

  it('hides an unpublished task from students (404) but not from its author', async () => {
    const draft = await request(app())
      .post(`${BASE}/tasks`)
      .set(bearer(school.teacher))
      .send(taskBody({ published: false }))
      .expect(201);
    await request(app()).get(`${BASE}/tasks/${draft.body.data.id}`).set(bearer(school.student)).expect(404);
    await request(app()).get(`${BASE}/tasks/${draft.body.data.id}`).set(bearer(school.teacher)).expect(200);
  });

  it('limits a classroom task to that classroom', async () => {
    const scoped = await request(app())
      .post(`${BASE}/tasks`)
      .set(bearer(school.teacher))
      .send(taskBody({ classroomId: school.classroom.id }))
      .expect(201);
    await request(app()).get(`${BASE}/tasks/${scoped.body.data.id}`).set(bearer(school.student)).expect(200);
    await request(app()).get(`${BASE}/tasks/${scoped.body.data.id}`).set(bearer(school.outsider)).expect(404);
    const listed = (user: Parameters<typeof bearer>[0]) =>
      request(app()).get(`${BASE}/tasks`).query({ q: scoped.body.data.slug }).set(bearer(user)).expect(200);
    expect((await listed(school.student)).body.meta.total).to.equal(1);
    expect((await listed(school.outsider)).body.meta.total).to.equal(0);
  });

  it('refuses to scope a task to a classroom the teacher does not teach', async () => {
    const res = await request(app())
      .post(`${BASE}/tasks`)
      .set(bearer(school.teacher))
      .send(taskBody({ classroomId: school.other.id }))
      .expect(422);
    expect(res.body.error.code).to.equal('CLASSROOM_NOT_TAUGHT');
  });

  it('lists tasks with filters and pagination', async () => {
    const res = await request(app())
      .get(`${BASE}/tasks`)
      .query({ difficulty: 'easy', language: 'python', tag: 'loops', q: 'sum of numbers', pageSize: 2 })
      .set(bearer(school.student))
      .expect(200);
    expect(res.body.meta).to.include({ page: 1, pageSize: 2 });
    expect(res.body.meta.total).to.be.at.least(2);
    expect(res.body.data).to.have.length(2);
    for (const t of res.body.data) expect(t).to.include({ difficulty: 'easy', solved: false });
    const none = await request(app()).get(`${BASE}/tasks`).query({ language: 'java', q: 'sum of numbers' }).set(bearer(school.student)).expect(200);
    expect(none.body.meta.total).to.equal(0);
  });

  it('applies each list filter on its own: difficulty, language, tag (any case), q on title or slug, and pages', async () => {
    const token = `filt${Math.random().toString(36).slice(2, 8)}`;
    const make = (overrides: Record<string, unknown>) =>
      request(app())
        .post(`${BASE}/tasks`)
        .set(bearer(school.teacher))
        .send(taskBody({ starterCode: {}, ...overrides }))
        .expect(201);
    const a = (await make({ title: `A ${token} strings`, difficulty: 'easy', tags: ['strings'], languages: ['python'] })).body.data;
    const b = (await make({ title: `B ${token} maths`, difficulty: 'hard', tags: ['math'], languages: ['c', 'javascript'] })).body.data;
    const list = async (query: Record<string, unknown>) => {
      const res = await request(app()).get(`${BASE}/tasks`).query(query).set(bearer(school.student)).expect(200);
      return (res.body.data as { id: string }[]).map((t) => t.id);
    };
    expect(await list({ q: token.toUpperCase() })).to.deep.equal([a.id, b.id]);
    expect(await list({ q: token, difficulty: 'hard' })).to.deep.equal([b.id]);
    expect(await list({ q: token, difficulty: 'medium' })).to.deep.equal([]);
    expect(await list({ q: token, language: 'c' })).to.deep.equal([b.id]);
    expect(await list({ q: token, language: 'python' })).to.deep.equal([a.id]);
    expect(await list({ q: token, tag: 'STRINGS' })).to.deep.equal([a.id]);
    expect(await list({ q: token, tag: 'graphs' })).to.deep.equal([]);
    expect(await list({ q: b.slug })).to.deep.equal([b.id]);
    expect(await list({ q: token, pageSize: 1, page: 2 })).to.deep.equal([b.id]);
  });

  it('lets the author patch a task, and not a teacher of another classroom (404)', async () => {
    const res = await request(app()).patch(`${BASE}/tasks/${taskId}`).set(bearer(school.teacher)).send({ difficulty: 'medium' }).expect(200);
    expect(res.body.data.difficulty).to.equal('medium');
    await request(app()).patch(`${BASE}/tasks/${taskId}`).set(bearer(school.otherTeacher)).send({ difficulty: 'hard' }).expect(404);
  });

  it('drops the starter code of a language removed from the task', async () => {
    const res = await request(app())
      .patch(`${BASE}/tasks/${taskId}`)
      .set(bearer(school.teacher))
      .send({ languages: ['javascript'] })
      .expect(200);
    expect(res.body.data.starterCode).to.deep.equal({});
    await request(app())
      .patch(`${BASE}/tasks/${taskId}`)
      .set(bearer(school.teacher))
      .send({ languages: ['javascript', 'python'], starterCode: { python: 'print()' } })
      .expect(200);
  });

  it('refuses starter code for a language the task does not accept', async () => {
    const res = await request(app())
      .patch(`${BASE}/tasks/${taskId}`)
      .set(bearer(school.teacher))
      .send({ starterCode: { c: 'int main(){}' } })
      .expect(400);
    expect(res.body.error.details[0].field).to.equal('starterCode.c');
  });

  it('replaces the test set with PUT /tests', async () => {
    const res = await request(app())
      .put(`${BASE}/tasks/${taskId}/tests`)
      .set(bearer(school.teacher))
      .send({ tests: [testCase({ name: 'only', stdin: '5', expected: '5', sample: true, points: 10 })] })
      .expect(200);
    expect(res.body.data.tests.map((t: { name: string }) => t.name)).to.deep.equal(['only']);
    expect(res.body.data.maxScore).to.equal(10);
  });

  it('deletes a task for its author, after which it is gone', async () => {
    const made = await request(app()).post(`${BASE}/tasks`).set(bearer(school.teacher)).send(taskBody()).expect(201);
    await request(app()).delete(`${BASE}/tasks/${made.body.data.id}`).set(bearer(school.teacher)).expect(204);
    await request(app()).get(`${BASE}/tasks/${made.body.data.id}`).set(bearer(school.teacher)).expect(404);
  });

  it('refuses a task delete with body fields, naming them, and keeps the task', async () => {
    const made = await request(app()).post(`${BASE}/tasks`).set(bearer(school.teacher)).send(taskBody()).expect(201);
    const res = await request(app()).delete(`${BASE}/tasks/${made.body.data.id}`).set(bearer(school.teacher)).send({ force: true }).expect(400);
    expect((res.body.error.details as { field: string }[]).map((d) => d.field)).to.deep.equal(['force']);
    await request(app()).get(`${BASE}/tasks/${made.body.data.id}`).set(bearer(school.teacher)).expect(200);
  });

  it('requires authentication', async () => {
    await request(app()).get(`${BASE}/tasks`).expect(401);
  });
});
