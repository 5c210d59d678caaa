import { expect } from 'chai';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { app, isolatedApp } from '../support/deps';
import { bearer, createSchool, createUser, tokenFor } from '../support/factories';
import { startLiveServer, connectClient, type LiveServer } from '../support/realtime';
import { CodingRejudge, CodingSubmission, type CodingTask } from '../../common/models';
import { makeTask, settled, startGradingWorker, testCase, type RunningWorker } from './helpers';
import { gradingJobId } from '../../common/grading/job-ids';

const BASE = '/api/v2/coding-lab';

describe('coding lab: playground and rejudge', () => {
  let worker: RunningWorker;
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async () => {
    app();
    worker = await startGradingWorker();
    school = await createSchool();
  });
  after(async () => worker?.close());

  describe('playground runs', () => {
    it('runs code against custom input and answers with its output when done', async () => {
      const res = await request(app())
        .post(`${BASE}/run`)
        .set(bearer(school.student))
        .send({ language: 'javascript', source: 'console.log(stdin.trim().toUpperCase())', stdin: 'halo dunia' })
        .expect(200);
      expect(res.body.data).to.include({ status: 'completed', language: 'javascript' });
      expect(res.body.data.result).to.include({ verdict: 'ok', stdout: 'HALO DUNIA\n' });
    });

    it('reports a compile error with the compiler’s message', async () => {
      const res = await request(app())
        .post(`${BASE}/run`)
        .set(bearer(school.student))
        .send({ language: 'javascript', source: 'let = ;' })
        .expect(200);
      expect(res.body.data.result.verdict).to.equal('compile_error');
      expect(res.body.data.compileOutput).to.match(/SyntaxError/);
    });

    it('answers 202 with an id when asked not to wait, and the run can be read later by its owner only', async () => {
      const res = await request(app())
        .post(`${BASE}/run`)
        .query({ wait: false })
        .set(bearer(school.student))
        .send({ language: 'javascript', source: 'console.log(6 * 7)' })
        .expect(202);
      const id = res.body.data.id as string;
      expect(res.body.data.status).to.equal('queued');
      let run = res.body.data;
      while (run.status !== 'completed') {
        await new Promise((r) => setTimeout(r, 50));
        run = (await request(app()).get(`${BASE}/runs/${id}`).set(bearer(school.student)).expect(200)).body.data;
      }
      expect(run.result.stdout).to.equal('42\n');
      await request(app()).get(`${BASE}/runs/${id}`).set(bearer(school.classmate)).expect(404);
    });

    it('has its own stricter rate limit per user', async () => {
      const { app: limited } = isolatedApp({ RUN_RATE_LIMIT_MAX: '1' });
      const user = await createUser();
      const body = { language: 'javascript', source: 'console.log(1)' };
      await request(limited).post(`${BASE}/run`).query({ wait: false }).set(bearer(user)).send(body).expect(202);
      const res = await request(limited).post(`${BASE}/run`).query({ wait: false }).set(bearer(user)).send(body).expect(429);
      expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
    });
  });

  describe('run samples', () => {
    let task: CodingTask;
    before(async () => {
      task = await makeTask({
        classroomId: school.classroom.id,
        languages: ['javascript', 'python'],
        tests: [
          testCase({ name: 'first sample', stdin: '1 2', expected: '3', sample: true }),
          testCase({ name: 'not a sample', stdin: '5 5', expected: '10' }),
          testCase({ name: 'second sample', stdin: '2 2', expected: '4', sample: true }),
          testCase({ name: 'hidden sample', stdin: 'HIDDEN-IN', expected: 'HIDDEN-OUT', sample: true, visibility: 'hide' }),
        ],
      });
    });
    const runSamples = (body: Record<string, unknown>, user = school.student) =>
      request(app())
        .post(`${BASE}/run`)
        .set(bearer(user))
        .send({ taskId: task.id, language: 'javascript', ...body });

    it('runs the program against the task’s visible samples only, compared as grading compares, and grades nothing', async () => {
      const before = await CodingSubmission.count({ where: { taskId: task.id } });
      const res = await runSamples({ source: 'const [a, b] = stdin.split(" ").map(Number); console.log(a + b === 4 ? 5 : a + b);' }).expect(200);
      expect(res.body.data).to.include({ status: 'completed', taskId: task.id });
      const results = res.body.data.sampleResults as Array<Record<string, unknown>>;
      expect(results.map((r) => [r.name, r.verdict])).to.deep.equal([
        ['first sample', 'accepted'],
        ['second sample', 'wrong_answer'],
      ]);
      expect(results[0]).to.include({ stdin: '1 2', expected: '3', stdout: '3\n', diff: null });
      expect(results[1]!.diff).to.include('Line 1: expected "4", got "5"');
      expect(JSON.stringify(res.body)).to.not.include('HIDDEN');
      expect(await CodingSubmission.count({ where: { taskId: task.id } })).to.equal(before);
    });

    it('refuses stdin together with a task, a language the task does not take, and a task the caller may not see', async () => {
      await runSamples({ source: 'console.log(1)', stdin: '1' }).expect(400);
      const wrongLanguage = await runSamples({ language: 'c', source: 'int main(){}' }).expect(422);
      expect(wrongLanguage.body.error.code).to.equal('LANGUAGE_NOT_ALLOWED');
      // the task belongs to another classroom than this student's
      await runSamples({ source: 'console.log(1)' }, school.outsider).expect(404);
    });

    it('answers 422 NO_SAMPLES for a task without visible samples', async () => {
      const bare = await makeTask({ languages: ['javascript'], tests: [testCase({ name: 'only', stdin: '1', expected: '1' })] });
      const res = await request(app())
        .post(`${BASE}/run`)
        .set(bearer(school.student))
        .send({ taskId: bare.id, language: 'javascript', source: 'console.log(1)' })
        .expect(422);
      expect(res.body.error.code).to.equal('NO_SAMPLES');
    });
  });

  describe('rejudge', () => {
    let live: LiveServer;
    let task: CodingTask;
    const sockets: Socket[] = [];
    before(async () => {
      live = await startLiveServer();
      task = await makeTask({
        classroomId: school.classroom.id,
        createdBy: school.teacher.id,
        tests: [testCase({ name: 'answer', expected: '42' })],
      });
    });
    after(async () => {
      sockets.forEach((s) => s.close());
      await live?.close();
    });

    const submitAndSettle = async (user: Parameters<typeof bearer>[0], source: string) => {
      const res = await request(app())
        .post(`${BASE}/submissions`)
        .set(bearer(user))
        .send({ taskId: task.id, language: 'javascript', source })
        .expect(202);
      return settled(res.body.data.id);
    };

    it('re-grades every student’s latest submission, reporting done/total live and at GET /rejudges/:id', async () => {
      const older = await submitAndSettle(school.student, 'console.log(41)');
      const latest = await submitAndSettle(school.student, 'console.log(43)');
      const classmate = await submitAndSettle(school.classmate, 'console.log(43)');
      expect([older.verdict, latest.verdict, classmate.verdict]).to.deep.equal(['wrong_answer', 'wrong_answer', 'wrong_answer']);

      // the teacher fixes the test: 43 was right all along
      await request(app())
        .put(`${BASE}/tasks/${task.id}/tests`)
        .set(bearer(school.teacher))
        .send({ tests: [testCase({ name: 'answer', expected: '43' })] })
        .expect(200);

      const socket = await connectClient(live.url, tokenFor(school.teacher));
      sockets.push(socket);
      const progress: { done: number; total: number }[] = [];
      const finished = new Promise<void>((resolve) =>
        socket.on('rejudge:progress', (p: { done: number; total: number }) => {
          progress.push(p);
          if (p.total > 0 && p.done === p.total) resolve();
        }),
      );
      const res = await request(app()).post(`${BASE}/tasks/${task.id}/rejudge`).set(bearer(school.teacher)).expect(202);
      expect(res.body.data).to.include({ taskId: task.id, status: 'queued' });
      await finished;

      expect(progress[0]).to.deep.include({ done: 0, total: 2 });
      expect(progress.at(-1)).to.deep.include({ done: 2, total: 2 });
      const state = await request(app()).get(`${BASE}/rejudges/${res.body.data.id}`).set(bearer(school.teacher)).expect(200);
      expect(state.body.data).to.include({ status: 'completed', done: 2, total: 2 });
      expect((await CodingSubmission.findByPk(latest.id))!.verdict).to.equal('accepted');
      expect((await CodingSubmission.findByPk(classmate.id))!.verdict).to.equal('accepted');
      expect((await CodingSubmission.findByPk(older.id))!.verdict).to.equal('wrong_answer');
    });

    it('stores on each re-graded submission the job id gradingJobId gives for its rejudge', async () => {
      const own = await makeTask({
        classroomId: school.classroom.id,
        createdBy: school.teacher.id,
        tests: [testCase({ name: 'answer', expected: '1' })],
      });
      const sent = await request(app())
        .post(`${BASE}/submissions`)
        .set(bearer(school.student))
        .send({ taskId: own.id, language: 'javascript', source: 'console.log(1)' })
        .expect(202);
      const first = await settled(sent.body.data.id);
      expect(first.jobId).to.equal(gradingJobId(first.id));
      const res = await request(app()).post(`${BASE}/tasks/${own.id}/rejudge`).set(bearer(school.teacher)).expect(202);
      let state = res.body.data;
      while (state.status !== 'completed') {
        await new Promise((r) => setTimeout(r, 50));
        state = (await request(app()).get(`${BASE}/rejudges/${res.body.data.id}`).set(bearer(school.teacher)).expect(200)).body.data;
      }
      const regraded = (await CodingSubmission.findByPk(first.id))!;
      expect(regraded).to.include({ rejudgeId: res.body.data.id, jobId: gradingJobId(first.id, res.body.data.id), verdict: 'accepted' });
    });

    it('completes at once, with nothing to do, for a task without finished submissions', async () => {
      const empty = await makeTask({ createdBy: school.teacher.id, tests: [testCase({ name: 'x', expected: '1' })] });
      const res = await request(app()).post(`${BASE}/tasks/${empty.id}/rejudge`).set(bearer(school.teacher)).expect(202);
      let state = res.body.data;
      while (state.status !== 'completed') {
        await new Promise((r) => setTimeout(r, 50));
        state = (await request(app()).get(`${BASE}/rejudges/${res.body.data.id}`).set(bearer(school.teacher)).expect(200)).body.data;
      }
      expect(state).to.include({ done: 0, total: 0 });
    });

    it('refuses a rejudge request with body fields, naming them, and queues nothing', async () => {
      const before = await CodingRejudge.count({ where: { taskId: task.id } });
      const res = await request(app()).post(`${BASE}/tasks/${task.id}/rejudge`).set(bearer(school.teacher)).send({ taskId: task.id }).expect(400);
      expect((res.body.error.details as { field: string }[]).map((d) => d.field)).to.deep.equal(['taskId']);
      expect(await CodingRejudge.count({ where: { taskId: task.id } })).to.equal(before);
    });

    it("shows a rejudge to an admin and to another teacher of the task's classroom, and answers 404 for one that does not exist", async () => {
      const res = await request(app()).post(`${BASE}/tasks/${task.id}/rejudge`).set(bearer(school.teacher)).expect(202);
      const coTeacher = await createUser({ role: 'teacher', teaches: [school.classroom.id] });
      await request(app()).get(`${BASE}/rejudges/${res.body.data.id}`).set(bearer(school.admin)).expect(200);
      await request(app()).get(`${BASE}/rejudges/${res.body.data.id}`).set(bearer(coTeacher)).expect(200);
      await request(app()).get(`${BASE}/rejudges/00000000-0000-4000-8000-000000000000`).set(bearer(school.admin)).expect(404);
    });

    it('keeps a rejudge out of reach of a teacher of another classroom', async () => {
      const res = await request(app()).post(`${BASE}/tasks/${task.id}/rejudge`).set(bearer(school.teacher)).expect(202);
      await request(app()).get(`${BASE}/rejudges/${res.body.data.id}`).set(bearer(school.otherTeacher)).expect(404);
      await request(app()).post(`${BASE}/tasks/${task.id}/rejudge`).set(bearer(school.otherTeacher)).expect(404);
      const socket = await connectClient(live.url, tokenFor(school.otherTeacher));
      sockets.push(socket);
      expect(await socket.emitWithAck('subscribe', { room: 'rejudge', id: res.body.data.id })).to.deep.equal({
        ok: false,
        error: 'NOT_FOUND',
      });
    });
  });
});
