import { expect } from 'chai';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { createSchool, createUser, tokenFor, bearer } from '../support/factories';
import { startLiveServer, connectClient, type LiveServer } from '../support/realtime';
import type { RealtimeEvents } from '../../common/realtime/events';
import { makeTask, startGradingWorker, SUM_PROGRAMS, testCase, type RunningWorker } from './helpers';
import { CodingSubmission, type CodingTask } from '../../common/models';
import { enqueue } from '../../common/queues';
import { apiDeps } from '../support/deps';

type Seen = { event: string; payload: { submissionId?: string } & Record<string, unknown> };

/** Every grading event a socket receives, and a promise for the completion of one submission. */
function record(socket: Socket) {
  const seen: Seen[] = [];
  const waiters = new Map<string, () => void>();
  socket.onAny((event: string, payload: Seen['payload']) => {
    if (!event.startsWith('grading:')) return;
    seen.push({ event, payload });
    if (event === 'grading:completed' && payload.submissionId) waiters.get(payload.submissionId)?.();
  });
  return {
    of: (id: string) => seen.filter((s) => s.payload.submissionId === id),
    completed: (id: string) =>
      new Promise<void>((resolve) => {
        if (seen.some((s) => s.event === 'grading:completed' && s.payload.submissionId === id)) return resolve();
        waiters.set(id, resolve);
      }),
  };
}

describe('coding lab: live progress end to end', () => {
  let live: LiveServer;
  let worker: RunningWorker;
  let school: Awaited<ReturnType<typeof createSchool>>;
  let task: CodingTask;
  const sockets: Socket[] = [];

  before(async () => {
    live = await startLiveServer();
    worker = await startGradingWorker();
    school = await createSchool();
    task = await makeTask({
      classroomId: school.classroom.id,
      tests: [
        testCase({ name: 'small', stdin: '1 2', expected: '3' }),
        testCase({ name: 'bigger', stdin: '4 5 6', expected: '15' }),
        testCase({ name: 'secret huge', stdin: '100 200', expected: '300', visibility: 'hide' }),
      ],
    });
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  after(async () => {
    await worker?.close();
    await live?.close();
  });

  const connect = async (user: Parameters<typeof tokenFor>[0]) => {
    const s = await connectClient(live.url, tokenFor(user));
    sockets.push(s);
    return s;
  };

  it('shows the student and the teacher queued, started, each test and completed, with hidden details only for the teacher', async () => {
    const studentSocket = await connect(school.student);
    const teacherSocket = await connect(school.teacher);
    const student = record(studentSocket);
    const teacher = record(teacherSocket);

    const res = await request(live.url)
      .post('/api/v2/coding-lab/submissions')
      .set(bearer(school.student))
      .send({ taskId: task.id, language: 'javascript', source: SUM_PROGRAMS.javascript })
      .expect(202);
    const id: string = res.body.data.id;
    await Promise.all([student.completed(id), teacher.completed(id)]);

    for (const seen of [student.of(id), teacher.of(id)]) {
      expect(seen.map((s) => s.event)).to.deep.equal([
        'grading:queued',
        'grading:started',
        'grading:test',
        'grading:test',
        'grading:test',
        'grading:completed',
      ]);
      expect(seen[1]!.payload).to.deep.equal({ submissionId: id, total: 3 });
      expect(seen[5]!.payload).to.deep.equal({ submissionId: id, verdict: 'accepted', score: 3, maxScore: 3 });
    }
    const studentTests = student
      .of(id)
      .filter((s) => s.event === 'grading:test')
      .map((s) => s.payload as RealtimeEvents['grading:test']);
    const teacherTests = teacher
      .of(id)
      .filter((s) => s.event === 'grading:test')
      .map((s) => s.payload as RealtimeEvents['grading:test']);
    expect(studentTests.map((t) => t.name)).to.deep.equal(['small', 'bigger', 'Hidden test 3']);
    expect(teacherTests.map((t) => t.name)).to.deep.equal(['small', 'bigger', 'secret huge']);
    expect(studentTests[2]).to.include({ index: 2, verdict: 'accepted', hidden: true });
    for (const t of teacherTests) {
      expect(t.verdict).to.equal('accepted');
      expect(t.timeMs).to.be.a('number');
      expect(t.memoryKb).to.be.a('number');
    }
    expect(JSON.stringify(student.of(id))).to.not.include('secret huge');
  });

  it('gives every watcher of the submission room each event once, hidden tests in full to the teacher and the admin only', async () => {
    // made without the API so every socket is subscribed before the job exists
    const submission = await CodingSubmission.create({
      taskId: task.id,
      userId: school.student.id,
      classroomId: school.classroom.id,
      language: 'javascript',
      files: [{ name: 'main.js', content: SUM_PROGRAMS.javascript }],
      attempt: 1,
      jobId: null,
    });
    const id = submission.id;
    const watchers = {
      student: await connect(school.student),
      teacher: await connect(school.teacher),
      admin: await connect(school.admin),
    };
    const seen = Object.fromEntries(Object.entries(watchers).map(([who, s]) => [who, record(s)])) as Record<
      keyof typeof watchers,
      ReturnType<typeof record>
    >;
    for (const s of Object.values(watchers)) {
      expect(await s.emitWithAck('subscribe', { room: 'submission', id })).to.deep.equal({ ok: true });
    }
    await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: id }, { jobId: id });
    await Promise.all(Object.values(seen).map((r) => r.completed(id)));

    const testNames = (who: keyof typeof watchers) =>
      seen[who]
        .of(id)
        .filter((s) => s.event === 'grading:test')
        .map((s) => (s.payload as RealtimeEvents['grading:test']).name);
    for (const who of Object.keys(watchers) as (keyof typeof watchers)[]) {
      expect(
        seen[who].of(id).map((s) => s.event),
        who,
      ).to.deep.equal(['grading:started', 'grading:test', 'grading:test', 'grading:test', 'grading:completed']);
    }
    expect(testNames('student')).to.deep.equal(['small', 'bigger', 'Hidden test 3']);
    expect(testNames('teacher')).to.deep.equal(['small', 'bigger', 'secret huge']);
    expect(testNames('admin')).to.deep.equal(['small', 'bigger', 'secret huge']);
  });

  it('shows a teacher who submits their own hidden tests in full, once, as GET /submissions/:id does', async () => {
    const own = record(await connect(school.otherTeacher));
    const res = await request(live.url)
      .post('/api/v2/coding-lab/submissions')
      .set(bearer(school.otherTeacher))
      .send({ taskId: task.id, language: 'javascript', source: SUM_PROGRAMS.javascript })
      .expect(202);
    const id: string = res.body.data.id;
    await own.completed(id);
    const tests = own
      .of(id)
      .filter((s) => s.event === 'grading:test')
      .map((s) => (s.payload as RealtimeEvents['grading:test']).name);
    expect(tests).to.deep.equal(['small', 'bigger', 'secret huge']);
    const read = await request(live.url).get(`/api/v2/coding-lab/submissions/${id}`).set(bearer(school.otherTeacher)).expect(200);
    expect(read.body.data.results[2]).to.include({ name: 'secret huge', stdin: '100 200' });
  });

  it('takes an admin who unsubscribes out of the staff room their subscription chose', async () => {
    const submission = await CodingSubmission.create({
      taskId: task.id,
      userId: (await createUser()).id,
      classroomId: null,
      language: 'javascript',
      files: [{ name: 'main.js', content: SUM_PROGRAMS.javascript }],
      attempt: 1,
      jobId: null,
    });
    const id = submission.id;
    const adminSocket = await connect(school.admin);
    const staying = await connect(school.admin);
    const admin = record(adminSocket);
    const witness = record(staying);
    for (const s of [adminSocket, staying]) expect(await s.emitWithAck('subscribe', { room: 'submission', id })).to.deep.equal({ ok: true });
    expect(await adminSocket.emitWithAck('unsubscribe', { room: 'submission', id })).to.deep.equal({ ok: true });
    await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: id }, { jobId: id });
    await witness.completed(id);
    expect(witness.of(id)).to.have.length(5);
    expect(admin.of(id)).to.deep.equal([]);
  });

  it('marks the task solved for the student once a submission was accepted', async () => {
    const solved = await request(live.url)
      .get('/api/v2/coding-lab/tasks')
      .query({ solved: true, q: task.slug })
      .set(bearer(school.student))
      .expect(200);
    expect(solved.body.data.map((t: { id: string }) => t.id)).to.include(task.id);
    expect(solved.body.data.find((t: { id: string }) => t.id === task.id).solved).to.equal(true);
    const unsolved = await request(live.url)
      .get('/api/v2/coding-lab/tasks')
      .query({ solved: false, q: task.slug })
      .set(bearer(school.student))
      .expect(200);
    expect(unsolved.body.data.map((t: { id: string }) => t.id)).to.not.include(task.id);
    const classmate = await request(live.url)
      .get('/api/v2/coding-lab/tasks')
      .query({ solved: false, q: task.slug })
      .set(bearer(school.classmate))
      .expect(200);
    expect(classmate.body.data.map((t: { id: string }) => t.id)).to.include(task.id);
  });

  it('keeps another classroom’s teacher out of the events', async () => {
    const otherSocket = await connect(school.otherTeacher);
    const studentSocket = await connect(school.student);
    const other = record(otherSocket);
    const student = record(studentSocket);
    const res = await request(live.url)
      .post('/api/v2/coding-lab/submissions')
      .set(bearer(school.student))
      .send({ taskId: task.id, language: 'javascript', source: 'console.log(3)' })
      .expect(202);
    await student.completed(res.body.data.id);
    expect(other.of(res.body.data.id)).to.deep.equal([]);
  });

  it('lets the author join the submission room and tells a classmate it does not exist', async () => {
    const res = await request(live.url)
      .post('/api/v2/coding-lab/submissions')
      .set(bearer(school.student))
      .send({ taskId: task.id, language: 'javascript', source: 'console.log(1)' })
      .expect(202);
    const id = res.body.data.id as string;
    const own = await connect(school.student);
    const classmate = await connect(school.classmate);
    const ask = (s: Socket) => s.emitWithAck('subscribe', { room: 'submission', id }) as Promise<{ ok: boolean; error?: string }>;
    expect(await ask(own)).to.deep.equal({ ok: true });
    expect(await ask(classmate)).to.deep.equal({ ok: false, error: 'NOT_FOUND' });
  });
});
