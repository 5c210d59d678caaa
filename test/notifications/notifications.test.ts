import request from 'supertest';
import { expect } from 'chai';
import type { Job } from 'bullmq';
import { app, apiDeps, isolatedApp, testWorkerDeps } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { openSse, serveLive, type LiveApp } from '../support/sse';
import { connectClient, nextEvent } from '../support/realtime';
import { Notification, type User } from '../../common/models';
import { notifyUsers } from '../../common/notifications/create';
import { codingGraded, aiEvaluated } from '../../common/notifications/triggers';
import { enqueueFanout, fanOut } from '../../common/notifications/fanout';
import type { NotificationJob } from '../../common/queues';
import { createNotificationsProcessor } from '../../worker/notifications/processor';
import { remindDeadlines } from '../../worker/notifications/deadlines';
import { SUM_PROGRAMS, makeTask, settled, startGradingWorker, submitDirect, testCase } from '../coding-lab/helpers';
import { SubmissionGrader } from '../../worker/grading/grade-submission';
import type { PreparedProgram, Runner } from '../../worker/sandbox';
import { CodingSubmission } from '../../common/models';
import { studentVersionKey } from '../../common/learning/student-cache-versions';
import { redisWritesDuring } from '../support/redis-watch';
import { DAY, HOUR, grade, makeAssignment, makeSubmission } from '../learning/helpers';

const list = (u: User, query = '') => request(app()).get(`/api/v2/notifications${query}`).set(bearer(u));
const notificationsOf = (userId: string) => Notification.findAll({ where: { userId }, order: [['createdAt', 'ASC']] });

describe('notifications', function () {
  this.timeout(20_000);

  describe('routes', () => {
    let user: User;
    let ids: string[];
    beforeEach(async () => {
      user = await createUser();
      ids = [];
      for (const t of ['first', 'second', 'third']) {
        const made = await notifyUsers(apiDeps().realtime, [user.id], { type: 'announcement', title: t });
        ids.push(made.get(user.id)!);
      }
    });

    it('lists your notifications newest first with paging', async () => {
      const res = await list(user, '?pageSize=2').expect(200);
      expect(res.body.data.map((n: { title: string }) => n.title)).to.deep.equal(['third', 'second']);
      expect(res.body.meta).to.deep.equal({ page: 1, pageSize: 2, total: 3 });
    });

    it('marks one read and then lists only the unread ones with unread=true', async () => {
      const read = await request(app()).patch(`/api/v2/notifications/${ids[0]}/read`).set(bearer(user)).expect(200);
      expect(read.body.data.readAt).to.be.a('string');
      const res = await list(user, '?unread=true').expect(200);
      expect(res.body.data.map((n: { title: string }) => n.title)).to.deep.equal(['third', 'second']);
    });

    it("answers 404 to marking another user's notification read", async () => {
      const other = await createUser();
      await request(app()).patch(`/api/v2/notifications/${ids[0]}/read`).set(bearer(other)).expect(404);
    });

    it('marks all read at once', async () => {
      const res = await request(app()).post('/api/v2/notifications/read-all').set(bearer(user)).expect(200);
      expect(res.body.data).to.deep.equal({ updated: 3 });
      expect((await list(user, '?unread=true')).body.meta.total).to.equal(0);
    });

    it('keeps mute settings per user and refuses an unknown type', async () => {
      await request(app())
        .put('/api/v2/notifications/settings')
        .set(bearer(user))
        .send({ mutedTypes: ['coding.graded'] })
        .expect(200);
      const res = await request(app()).get('/api/v2/notifications/settings').set(bearer(user)).expect(200);
      expect(res.body.data.mutedTypes).to.deep.equal(['coding.graded']);
      await request(app())
        .put('/api/v2/notifications/settings')
        .set(bearer(user))
        .send({ mutedTypes: ['nope'] })
        .expect(400);
    });
  });

  describe('pushes', () => {
    let live: LiveApp;
    before(async () => {
      const second = isolatedApp();
      live = await serveLive(second.app, second.deps);
    });
    after(async () => live.close());

    it('sends notification:new over Socket.IO to the user', async () => {
      const user = await createUser();
      const socket = await connectClient(live.url, bearer(user).Authorization.slice(7));
      try {
        const heard = nextEvent<{ title: string; link: string }>(socket, 'notification:new');
        await notifyUsers(testWorkerDeps().realtime, [user.id], { type: 'announcement', title: 'hello', link: '/x' });
        expect(await heard).to.include({ title: 'hello', link: '/x' });
      } finally {
        socket.close();
      }
    });

    it('stores a muted type but pushes it neither over SSE nor Socket.IO', async () => {
      const user = await createUser();
      await request(app())
        .put('/api/v2/notifications/settings')
        .set(bearer(user))
        .send({ mutedTypes: ['coding.graded'] })
        .expect(200);
      const sse = await openSse(`${live.url}/api/v2/notifications/stream`, bearer(user));
      const socket = await connectClient(live.url, bearer(user).Authorization.slice(7));
      const socketTitles: string[] = [];
      socket.on('notification:new', (n: { title: string }) => socketTitles.push(n.title));
      try {
        const marker = nextEvent(socket, 'notification:new');
        await codingGraded(testWorkerDeps().realtime, {
          submissionId: crypto.randomUUID(),
          userId: user.id,
          verdict: 'accepted',
          score: 1,
          maxScore: 1,
        });
        await notifyUsers(testWorkerDeps().realtime, [user.id], { type: 'announcement', title: 'marker' });
        await marker;
        const first = await sse.next();
        expect(JSON.parse(first.data).title).to.equal('marker');
        expect(socketTitles).to.deep.equal(['marker']);
        expect((await notificationsOf(user.id)).map((n) => n.type)).to.deep.equal(['coding.graded', 'announcement']);
      } finally {
        sse.close();
        socket.close();
      }
    });

    it('leaves streams out of the request-duration histogram', async () => {
      const user = await createUser();
      const sse = await openSse(`${live.url}/api/v2/notifications/stream`, bearer(user));
      sse.close();
      await sse.ended;
      await request(live.url).get('/api/v2/notifications').set(bearer(user)).expect(200);
      const metrics = await request(live.url).get('/metrics').expect(200);
      expect(metrics.text).to.include('route="/api/v2/notifications"');
      expect(metrics.text).not.to.include('route="/api/v2/notifications/stream"');
    });
  });

  describe('triggers', () => {
    let school: Awaited<ReturnType<typeof createSchool>>;
    before(async () => {
      app();
      school = await createSchool();
    });

    for (const [status, type, body] of [
      ['graded', 'submission.graded', { status: 'graded', grade: 7 }],
      ['needs_revision', 'submission.needs_revision', { status: 'needs_revision', feedback: 'again' }],
      ['returned', 'submission.returned', { status: 'returned', grade: 5 }],
    ] as const) {
      it(`a teacher's ${status} makes exactly one ${type} notification for the student`, async () => {
        const student = await createUser({ classroomId: school.classroom.id });
        const a = await makeAssignment({ classroomId: school.classroom.id, title: 'Loops', dueIn: DAY, maxPoints: 10 });
        const s = await makeSubmission(a, student);
        await grade(school.teacher, s.id, body).expect(200);
        const mine = await notificationsOf(student.id);
        expect(mine.map((n) => [n.type, n.link])).to.deep.equal([[type, `/submissions/${s.id}`]]);
        expect((await notificationsOf(school.classmate.id)).filter((n) => n.data.submissionId === s.id)).to.have.length(0);
      });
    }

    it('a teacher handing an attempt back through the tutorial route notifies the student once', async () => {
      const student = await createUser({ classroomId: school.classroom.id });
      const a = await makeAssignment({ classroomId: school.classroom.id, title: 'Arrays', dueIn: DAY });
      const s = await makeSubmission(a, student);
      await request(app()).patch(`/api/v2/tutorial/submissions/${s.id}`).set(bearer(school.teacher)).send({ status: 'needs_revision' }).expect(200);
      expect((await notificationsOf(student.id)).map((n) => n.type)).to.deep.equal(['submission.needs_revision']);
    });

    it('a coding-lab grading seen twice (a retried job) notifies once', async () => {
      const student = await createUser();
      const g = { submissionId: crypto.randomUUID(), userId: student.id, verdict: 'wrong_answer', score: 1, maxScore: 3 };
      await codingGraded(testWorkerDeps().realtime, g);
      await codingGraded(testWorkerDeps().realtime, g);
      const mine = await notificationsOf(student.id);
      expect(mine.map((n) => [n.type, n.body])).to.deep.equal([['coding.graded', 'wrong answer: 1/3']]);
    });

    it('an AI evaluation that ends notifies the author and the teacher who asked, once each', async () => {
      const student = await createUser();
      const e = {
        evaluationId: crypto.randomUUID(),
        submissionId: crypto.randomUUID(),
        status: 'completed',
        userIds: [student.id, school.teacher.id],
      };
      await aiEvaluated(testWorkerDeps().realtime, e);
      await aiEvaluated(testWorkerDeps().realtime, e);
      expect((await notificationsOf(student.id)).map((n) => n.type)).to.deep.equal(['ai.evaluated']);
      const teachers = (await notificationsOf(school.teacher.id)).filter((n) => n.data.evaluationId === e.evaluationId);
      expect(teachers).to.have.length(1);
    });
  });

  describe('fan-out job', () => {
    const run = async (data: NotificationJob, id: string) => {
      const processor = await createNotificationsProcessor(testWorkerDeps(), { deadlineEveryMs: 0 });
      return processor.process({ id, data } as Job<NotificationJob, number>);
    };

    it('is queued on the notifications queue, not stored in the request', async () => {
      const school = await createSchool();
      const jobId = await enqueueFanout(
        apiDeps().queues,
        { kind: 'classroom', classroomId: school.classroom.id },
        { type: 'announcement', title: 'queued' },
      );
      const job = await apiDeps().queues.notifications.getJob(jobId);
      expect(job?.data).to.deep.include({ kind: 'fanout' });
      expect(await notificationsOf(school.student.id)).to.have.length(0);
      await job?.remove();
    });

    it('reaches every student of the classroom (and its teachers when asked) in batches, nobody else', async () => {
      const school = await createSchool();
      const extra = await Promise.all(Array.from({ length: 5 }, () => createUser({ classroomId: school.classroom.id })));
      const made = await run(
        {
          kind: 'fanout',
          audience: { kind: 'classroom', classroomId: school.classroom.id, teachers: true },
          notification: { type: 'announcement', title: 'Exam moved' },
        },
        'fan-1',
      );
      const reached = [school.student, school.classmate, ...extra, school.teacher];
      expect(made).to.equal(reached.length);
      for (const u of reached) expect((await notificationsOf(u.id)).map((n) => n.title)).to.deep.equal(['Exam moved']);
      for (const u of [school.outsider, school.otherTeacher]) expect(await notificationsOf(u.id)).to.have.length(0);
    });

    it('stores the audience batch by batch, each batch one statement', async () => {
      const school = await createSchool();
      await Promise.all(Array.from({ length: 5 }, () => createUser({ classroomId: school.classroom.id })));
      const statements: string[] = [];
      const worker = testWorkerDeps();
      // the models run on whichever Sequelize bound them last; its logging hook sees every statement
      const options = (Notification.sequelize as unknown as { options: { logging: unknown } }).options;
      const before = options.logging;
      options.logging = (sql: string) => (sql.includes('INSERT INTO notifications') ? statements.push(sql) : undefined);
      try {
        // 7 students in batches of 3: three statements
        expect(
          await fanOut(
            worker.realtime,
            { kind: 'classroom', classroomId: school.classroom.id },
            { type: 'announcement', title: 'b', dedupeKey: 'batch' },
            3,
          ),
        ).to.equal(7);
      } finally {
        options.logging = before;
      }
      expect(statements).to.have.length(3);
    });

    it('notifies each user of a users audience once, however often listed, in batches that end exactly', async () => {
      const users = await Promise.all(Array.from({ length: 4 }, () => createUser()));
      const ids = users.map((u) => u.id);
      const made = await fanOut(
        testWorkerDeps().realtime,
        { kind: 'users', userIds: [...ids, ids[0]!, ids[2]!] },
        { type: 'announcement', title: 'Listed', dedupeKey: 'listed' },
        2,
      );
      expect(made).to.equal(4);
      for (const u of users) expect((await notificationsOf(u.id)).map((n) => n.title)).to.deep.equal(['Listed']);
    });

    it('reaches only the roles named in a school audience', async () => {
      const school = await createSchool();
      const key = `roles-${Date.now()}`;
      await fanOut(testWorkerDeps().realtime, { kind: 'school', roles: ['teacher'] }, { type: 'announcement', title: key, dedupeKey: key });
      expect((await notificationsOf(school.teacher.id)).map((n) => n.title)).to.deep.equal([key]);
      expect(await notificationsOf(school.student.id)).to.have.length(0);
      expect(await notificationsOf(school.admin.id)).to.have.length(0);
    });

    it('run again (a retry) makes no second notification for anyone', async () => {
      const school = await createSchool();
      const job: NotificationJob = {
        kind: 'fanout',
        audience: { kind: 'classroom', classroomId: school.classroom.id },
        notification: { type: 'announcement', title: 'Once' },
      };
      await run(job, 'fan-2');
      expect(await run(job, 'fan-2')).to.equal(0);
      expect(await notificationsOf(school.student.id)).to.have.length(1);
    });
  });

  describe('coding-lab grading in a worker', () => {
    it('makes exactly one coding.graded notification for the author when the worker grades', async () => {
      const running = await startGradingWorker();
      try {
        const task = await makeTask({ tests: [testCase({ stdin: '1 2\n', expected: '3\n' })] });
        const id = await submitDirect(task, 'javascript', SUM_PROGRAMS.javascript);
        const s = await settled(id);
        // the notification follows the stored grade; the test's timeout bounds the wait
        while ((await notificationsOf(s.userId)).length === 0) await new Promise((r) => setTimeout(r, 20));
        const mine = await notificationsOf(s.userId);
        expect(mine.map((n) => [n.type, n.link])).to.deep.equal([['coding.graded', `/coding-lab/submissions/${id}`]]);
        expect(mine[0]!.data).to.include({ verdict: 'accepted', score: s.score });
      } finally {
        await running.close();
      }
    });
  });

  describe('coding-lab grading: the graded notification with the grade', () => {
    /** A grader whose sandbox prints `3` for every test, after `duringRun` (e.g. another attempt taking the submission over). */
    const graderWith = (duringRun: (submissionId: string) => Promise<void> = async () => undefined) => {
      const deps = testWorkerDeps();
      let current = '';
      const program: PreparedProgram = {
        compile: { ok: true, output: '', timeMs: 0 },
        run: async () => {
          await duringRun(current);
          return {
            verdict: 'ok',
            stdout: '3',
            stderr: '',
            stdoutTruncated: false,
            stderrTruncated: false,
            exitCode: 0,
            signal: null,
            timeMs: 1,
            memoryKb: 1,
          };
        },
        dispose: async () => undefined,
      };
      const runner: Runner = { name: 'isolated-vm', supports: () => true, prepare: async () => program };
      const grader = new SubmissionGrader({
        sequelize: deps.sequelize,
        realtime: deps.realtime,
        logger: deps.logger,
        sandbox: { runnerFor: () => runner },
        hiddenFigures: deps.config.sandbox.hiddenFigures,
      });
      return {
        deps,
        grade: (id: string) => {
          current = id;
          return grader.grade(id);
        },
      };
    };
    const queued = async () => {
      const task = await makeTask({ tests: [testCase({ stdin: '1 2', expected: '3' })] });
      const user = await createUser();
      const s = await CodingSubmission.create({
        taskId: task.id,
        userId: user.id,
        classroomId: null,
        language: 'javascript',
        files: [{ name: 'main.js', content: '' }],
        attempt: 1,
        jobId: null,
      });
      return { id: s.id, user };
    };

    it('writes no notification for an attempt that lost the submission to another (its grade is not written either)', async () => {
      const { id, user } = await queued();
      const { grade } = graderWith((submissionId) =>
        CodingSubmission.update({ gradingToken: crypto.randomUUID() }, { where: { id: submissionId } }).then(() => undefined),
      );
      expect(await grade(id)).to.deep.equal({ outcome: 'superseded' });
      expect(await notificationsOf(user.id)).to.have.length(0);
      expect(await CodingSubmission.findByPk(id)).to.include({ status: 'running', verdict: null });
    });

    it('sends the dashboard bump, grading:completed, notification:new and the SSE log append in one Redis write', async () => {
      const { id, user } = await queued();
      const { deps, grade } = graderWith();
      const writes = await redisWritesDuring(async () => {
        await grade(id);
        // the events are written as the grade returns; let the pipeline go out
        await new Promise((r) => setTimeout(r, 50));
      }, deps.redis);
      const write = writes.find((w) => w.includes('grading:completed'));
      expect(write, 'the write with grading:completed').to.be.a('string');
      const at = (what: string) => write!.indexOf(what);
      expect(at(studentVersionKey(user.id))).to.be.greaterThan(-1);
      expect(at(studentVersionKey(user.id))).to.be.lessThan(at('grading:completed'));
      expect(at('notification:new')).to.be.greaterThan(at('grading:completed'));
      expect(at(`stream:notifications:${user.id}`)).to.be.greaterThan(at('notification:new'));
      const [stored] = await notificationsOf(user.id);
      expect(stored).to.include({ type: 'coding.graded', link: `/coding-lab/submissions/${id}` });
      expect(write).to.include(stored!.id);
    });

    it('stores the graded notification of a user who muted it without sending notification:new', async () => {
      const { id, user } = await queued();
      await request(app())
        .put('/api/v2/notifications/settings')
        .set(bearer(user))
        .send({ mutedTypes: ['coding.graded'] })
        .expect(200);
      const { deps, grade } = graderWith();
      const writes = await redisWritesDuring(async () => {
        await grade(id);
        await new Promise((r) => setTimeout(r, 50));
      }, deps.redis);
      expect(writes.some((w) => w.includes('grading:completed'))).to.equal(true);
      expect(writes.some((w) => w.includes('notification:new') || w.includes(`stream:notifications:${user.id}`))).to.equal(false);
      expect((await notificationsOf(user.id)).map((n) => n.type)).to.deep.equal(['coding.graded']);
    });
  });

  describe('a published assignment', () => {
    const create = (teacher: User, body: Record<string, unknown>) => request(app()).post('/api/v2/admin/assignments').set(bearer(teacher)).send(body);
    const runJob = async (assignmentId: string) => {
      const job = await apiDeps().queues.notifications.getJob(`published-${assignmentId}`);
      expect(job, 'the fan-out job').to.not.equal(undefined);
      const processor = await createNotificationsProcessor(testWorkerDeps(), { deadlineEveryMs: 0 });
      const made = await processor.process(job as Job<NotificationJob, number>);
      await job!.remove();
      return made;
    };

    it("queues one fan-out that notifies the classroom's students, not its teacher nor another classroom", async () => {
      const school = await createSchool();
      const res = await create(school.teacher, {
        title: 'Sorting',
        classroomId: school.classroom.id,
        kind: 'text',
        dueAt: new Date(Date.now() + 3 * DAY),
        maxPoints: 100,
        status: 'published',
      }).expect(201);
      expect(await runJob(res.body.data.id)).to.equal(2);
      for (const u of [school.student, school.classmate]) {
        expect((await notificationsOf(u.id)).map((n) => [n.type, n.title])).to.deep.equal([['assignment.published', 'New assignment: Sorting']]);
      }
      expect(await notificationsOf(school.teacher.id)).to.have.length(0);
      expect(await notificationsOf(school.outsider.id)).to.have.length(0);
    });

    it('fans an assignment of every classroom out to every student of the school', async () => {
      const school = await createSchool();
      const res = await create(school.admin, {
        title: 'For all',
        classroomId: null,
        kind: 'text',
        dueAt: new Date(Date.now() + 5 * DAY),
        maxPoints: 10,
        status: 'published',
      }).expect(201);
      const job = await apiDeps().queues.notifications.getJob(`published-${res.body.data.id}`);
      expect(job?.data).to.deep.include({ kind: 'fanout', audience: { kind: 'school', roles: ['student'] } });
      await job?.remove();
    });

    it('notifies nobody for a draft, and once when it is published, however often it goes back to draft', async () => {
      const school = await createSchool();
      const res = await create(school.teacher, {
        title: 'Draft',
        classroomId: school.classroom.id,
        kind: 'text',
        dueAt: new Date(Date.now() + 3 * DAY),
        maxPoints: 10,
        status: 'draft',
      }).expect(201);
      const id = res.body.data.id as string;
      expect(await apiDeps().queues.notifications.getJob(`published-${id}`)).to.equal(undefined);
      const patch = (status: string) =>
        request(app()).patch(`/api/v2/admin/assignments/${id}`).set(bearer(school.teacher)).send({ status }).expect(200);
      await patch('published');
      expect(await runJob(id)).to.equal(2);
      await patch('draft');
      await patch('published');
      expect(await runJob(id)).to.equal(0);
      expect(await notificationsOf(school.student.id)).to.have.length(1);
    });
  });

  describe('deadline reminders', () => {
    it('remind each student who has not handed in work due within 24 hours, once however often the sweep runs', async () => {
      const school = await createSchool();
      const soon = await makeAssignment({ classroomId: school.classroom.id, title: 'Loops', dueIn: 12 * HOUR });
      const later = await makeAssignment({ classroomId: school.classroom.id, title: 'Due later', dueIn: 3 * DAY });
      await makeSubmission(soon, school.classmate);
      await remindDeadlines(apiDeps().sequelize, testWorkerDeps().realtime);
      await remindDeadlines(apiDeps().sequelize, testWorkerDeps().realtime);
      // other tests' every-classroom assignments may be due too: only this classroom's two count here
      const ours = async (u: User) => (await notificationsOf(u.id)).filter((n) => [soon.id, later.id].includes(n.data.assignmentId as string));
      const mine = await ours(school.student);
      expect(mine.map((n) => [n.type, n.title])).to.deep.equal([['assignment.deadline', 'Due soon: Loops']]);
      expect(await ours(school.classmate)).to.have.length(0);
      expect(await ours(school.outsider)).to.have.length(0);
    });
  });
});
