import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps, isolatedApp } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { CodingSubmission, CodingTestCase, type CodingTask, type TestResult } from '../../common/models';
import { makeTask, testCase } from './helpers';

const BASE = '/api/v2/coding-lab';

describe('coding lab: submissions', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  let task: CodingTask;
  let mine: string;

  const submit = (user: Parameters<typeof bearer>[0], body: Record<string, unknown>, on = app()) =>
    request(on)
      .post(`${BASE}/submissions`)
      .set(bearer(user))
      .send({ taskId: task.id, language: 'javascript', ...body });

  before(async () => {
    app();
    school = await createSchool();
    task = await makeTask({
      languages: ['javascript', 'python'],
      tests: [
        testCase({ name: 'shown', stdin: '1 2', expected: '3' }),
        testCase({ name: 'secret', stdin: 'SECRET-INPUT', expected: 'SECRET-OUTPUT', visibility: 'hide' }),
        testCase({ name: 'shown when failing', stdin: 'FAIL-IN', expected: 'FAIL-OUT', visibility: 'hide_if_succeed' }),
      ],
    });
    const res = await submit(school.student, { source: 'console.log(3)' }).expect(202);
    mine = res.body.data.id;
  });

  it('answers 202 with the id and status queued, and queues a job whose id is the submission id', async () => {
    const student = await createUser({ classroomId: school.classroom.id });
    const res = await submit(student, { files: [{ name: 'main.js', content: 'console.log(1)' }] }).expect(202);
    expect(res.body).to.deep.equal({ data: { id: res.body.data.id, status: 'queued' } });
    const job = await apiDeps().queues.grading.getJob(res.body.data.id);
    expect(job?.data).to.deep.equal({ kind: 'submission', submissionId: res.body.data.id });
    const stored = await CodingSubmission.findByPk(res.body.data.id);
    expect(stored).to.include({ attempt: 1, classroomId: school.classroom.id, language: 'javascript' });
  });

  it('refuses source over 64 KB in total with 413', async () => {
    const student = await createUser();
    const half = 'x'.repeat(33 * 1024);
    const res = await submit(student, {
      files: [
        { name: 'main.js', content: half },
        { name: 'lib.js', content: half },
      ],
    }).expect(413);
    expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('refuses more than 10 files', async () => {
    const files = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.js`, content: '' }));
    const res = await submit(school.student, { files }).expect(400);
    expect(res.body.error.details[0].field).to.equal('files');
  });

  it('refuses a file name with a directory in it', async () => {
    await submit(school.student, { files: [{ name: '../evil.js', content: '' }] }).expect(400);
  });

  it('refuses a language the task does not accept with 422', async () => {
    const res = await submit(school.student, { language: 'c', source: 'int main(){}' }).expect(422);
    expect(res.body.error.code).to.equal('LANGUAGE_NOT_ALLOWED');
  });

  it('answers 429 with Retry-After when a student already has 3 submissions waiting', async () => {
    const student = await createUser();
    for (let i = 0; i < 3; i++) await submit(student, { source: `console.log(${i})` }).expect(202);
    const res = await submit(student, { source: 'console.log(4)' }).expect(429);
    expect(res.body.error.code).to.equal('TOO_MANY_PENDING');
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
  });

  it('lets no more than 3 of one student’s submissions through when they arrive at once', async () => {
    const student = await createUser();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => submit(student, { source: `console.log(${i})` })));
    expect(answers.map((r) => r.status).sort()).to.deep.equal([202, 202, 202, 429, 429, 429]);
    expect(await CodingSubmission.count({ where: { userId: student.id } })).to.equal(3);
  });

  it('counts attempts per student and task', async () => {
    const student = await createUser();
    await submit(student, { source: '1' }).expect(202);
    const second = await submit(student, { source: '2' }).expect(202);
    expect((await CodingSubmission.findByPk(second.body.data.id))!.attempt).to.equal(2);
  });

  it('answers 503 with Retry-After when the grading queue is over its depth', async () => {
    // an API with its own (empty) queue and a depth of one
    const { app: full } = isolatedApp({ GRADING_QUEUE_MAX_DEPTH: '1', REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}depth:` });
    await submit(await createUser(), { source: '1' }, full).expect(202);
    const res = await submit(await createUser(), { source: '2' }, full).expect(503);
    expect(res.body.error.code).to.equal('QUEUE_FULL');
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
  });

  describe('reading', () => {
    it('shows the owner their submission', async () => {
      const res = await request(app()).get(`${BASE}/submissions/${mine}`).set(bearer(school.student)).expect(200);
      expect(res.body.data).to.include({ id: mine, status: 'queued', taskId: task.id });
      expect(res.body.data.files).to.deep.equal([{ name: 'main.js', content: 'console.log(3)' }]);
    });

    it('answers 404 to another student, even a classmate', async () => {
      await request(app()).get(`${BASE}/submissions/${mine}`).set(bearer(school.classmate)).expect(404);
    });

    it('answers 404 to a teacher of another classroom, 200 to the classroom teacher and to an admin', async () => {
      await request(app()).get(`${BASE}/submissions/${mine}`).set(bearer(school.otherTeacher)).expect(404);
      await request(app()).get(`${BASE}/submissions/${mine}`).set(bearer(school.teacher)).expect(200);
      await request(app()).get(`${BASE}/submissions/${mine}`).set(bearer(school.admin)).expect(200);
    });

    it('refuses an id that is not a uuid with 400', async () => {
      await request(app()).get(`${BASE}/submissions/nope`).set(bearer(school.student)).expect(400);
    });

    it('lists only the student’s own submissions, and the classroom’s for its teacher', async () => {
      const own = await request(app()).get(`${BASE}/submissions`).query({ taskId: task.id }).set(bearer(school.student)).expect(200);
      expect(own.body.data.every((s: { userId: string }) => s.userId === school.student.id)).to.equal(true);
      expect(own.body.data.map((s: { id: string }) => s.id)).to.include(mine);
      const teacher = await request(app()).get(`${BASE}/submissions`).query({ taskId: task.id }).set(bearer(school.teacher)).expect(200);
      expect(teacher.body.data.map((s: { id: string }) => s.id)).to.include(mine);
      const other = await request(app()).get(`${BASE}/submissions`).query({ taskId: task.id }).set(bearer(school.otherTeacher)).expect(200);
      expect(other.body.meta.total).to.equal(0);
    });
  });

  describe('hidden tests in a graded submission', () => {
    let gradedId: string;
    before(async () => {
      const student = await createUser({ classroomId: school.classroom.id });
      const tests = await CodingTestCase.findAll({
        where: { taskId: task.id },
        order: [['position', 'ASC']],
      });
      const result = (i: number, verdict: TestResult['verdict'], stdout: string): TestResult => ({
        index: i,
        testId: tests[i]!.id,
        name: tests[i]!.name,
        visibility: tests[i]!.visibility,
        sample: false,
        verdict,
        points: 1,
        earned: verdict === 'accepted' ? 1 : 0,
        timeMs: 3,
        memoryKb: 1000,
        exitCode: 0,
        signal: null,
        stdout,
        stderr: '',
        stdoutTruncated: false,
        stderrTruncated: false,
        diff: verdict === 'accepted' ? null : `Line 1: expected "${tests[i]!.expected}", got "${stdout}"`,
      });
      const s = await CodingSubmission.create({
        taskId: task.id,
        userId: student.id,
        classroomId: school.classroom.id,
        language: 'javascript',
        files: [{ name: 'main.js', content: '' }],
        attempt: 1,
        status: 'completed',
        verdict: 'wrong_answer',
        score: 1,
        maxScore: 3,
        results: [result(0, 'accepted', '3'), result(1, 'wrong_answer', 'SECRET-GUESS'), result(2, 'accepted', 'FAIL-OUT')],
      });
      gradedId = s.id;
      school.student = student;
    });

    it('never sends a student the input, expected output, output or diff of a hidden test', async () => {
      const res = await request(app()).get(`${BASE}/submissions/${gradedId}`).set(bearer(school.student)).expect(200);
      const text = JSON.stringify(res.body);
      for (const secret of ['SECRET-INPUT', 'SECRET-OUTPUT', 'SECRET-GUESS', 'secret']) expect(text).to.not.include(secret);
      expect(res.body.data.results[1]).to.deep.equal({
        index: 1,
        verdict: 'wrong_answer',
        points: 1,
        earned: 0,
        // coarse: 3 ms and 1000 KB rounded up to the default 100 ms and 4 MB steps
        timeMs: 100,
        memoryKb: 4096,
        figures: { timeBucketMs: 100, memoryBucketKb: 4096 },
        name: 'Hidden test 2',
        hidden: true,
      });
    });

    it('hides a hide_if_succeed test from the student when it passed, and shows a visible one in full', async () => {
      const res = await request(app()).get(`${BASE}/submissions/${gradedId}`).set(bearer(school.student)).expect(200);
      expect(res.body.data.results[2]).to.include({ hidden: true, name: 'Hidden test 3' });
      expect(JSON.stringify(res.body)).to.not.include('FAIL-IN');
      expect(res.body.data.results[0]).to.include({ name: 'shown', stdin: '1 2', expected: '3', stdout: '3' });
    });

    it('shows the classroom teacher every test in full', async () => {
      const res = await request(app()).get(`${BASE}/submissions/${gradedId}`).set(bearer(school.teacher)).expect(200);
      expect(res.body.data.results[1]).to.include({
        name: 'secret',
        stdin: 'SECRET-INPUT',
        expected: 'SECRET-OUTPUT',
        stdout: 'SECRET-GUESS',
        hidden: true,
      });
    });
  });
});
