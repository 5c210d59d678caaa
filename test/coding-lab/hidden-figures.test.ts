import { expect } from 'chai';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { createSchool, tokenFor, bearer } from '../support/factories';
import { startLiveServer, connectClient, type LiveServer } from '../support/realtime';
import { isolatedApp } from '../support/deps';
import type { RealtimeEvents } from '../../common/realtime/events';
import { coarseFigures, figuresFor } from '../../common/grading/coarse-figures';
import { makeTask, startGradingWorker, testCase, type RunningWorker } from './helpers';
import { CodingSubmission, CodingTestCase, type TestResult } from '../../common/models';
import { createUser } from '../support/factories';
import { loadEvaluationInput } from '../../worker/ai/load-input';

type TestEvent = RealtimeEvents['grading:test'];
interface ResultView {
  name: string;
  hidden: boolean;
  timeMs: number | null;
  memoryKb: number | null;
  figures?: { timeBucketMs: number | null; memoryBucketKb: number | null };
}

describe('coding lab: hidden tests show students coarse figures only', () => {
  describe('the rounding rule', () => {
    const buckets = { timeMs: 100, memoryKb: 4096 };

    it('rounds a figure up to the next multiple of its bucket', () => {
      expect(coarseFigures({ timeMs: 101, memoryKb: 4097 }, buckets)).to.deep.equal({ timeMs: 200, memoryKb: 8192 });
    });

    it('keeps a figure that is already a multiple of its bucket', () => {
      expect(coarseFigures({ timeMs: 300, memoryKb: 8192 }, buckets)).to.deep.equal({ timeMs: 300, memoryKb: 8192 });
    });

    it('keeps zero (not measured) as zero', () => {
      expect(coarseFigures({ timeMs: 0, memoryKb: 0 }, buckets)).to.deep.equal({ timeMs: 0, memoryKb: 0 });
    });

    it('gives no figure at all when its bucket is none', () => {
      expect(coarseFigures({ timeMs: 42, memoryKb: 4000 }, { timeMs: null, memoryKb: null })).to.deep.equal({ timeMs: null, memoryKb: null });
    });

    it('gives staff the exact figures of a hidden test', () => {
      expect(figuresFor({ timeMs: 42, memoryKb: 4000, visibility: 'hide', verdict: 'accepted' }, true, buckets)).to.deep.equal({
        timeMs: 42,
        memoryKb: 4000,
      });
    });

    it('gives a student the exact figures of a test they see in full', () => {
      const failedHideIfSucceed = { timeMs: 42, memoryKb: 4000, visibility: 'hide_if_succeed' as const, verdict: 'wrong_answer' };
      expect(figuresFor(failedHideIfSucceed, false, buckets)).to.deep.equal({ timeMs: 42, memoryKb: 4000 });
    });

    it('gives a student coarse figures of a test hidden from them by its outcome', () => {
      const passedHideIfSucceed = { timeMs: 42, memoryKb: 4000, visibility: 'hide_if_succeed' as const, verdict: 'accepted' };
      expect(figuresFor(passedHideIfSucceed, false, buckets)).to.deep.equal({ timeMs: 100, memoryKb: 4096 });
    });
  });

  /** One graded submission (a shown and a hidden test), watched live by its author and their teacher. */
  async function gradeWatched(live: LiveServer, school: Awaited<ReturnType<typeof createSchool>>) {
    // some work, so the figures are not all zero; the output echoes the input
    const source =
      'let x = 0; for (let i = 0; i < 300000; i++) x += i % 7; const a = new Array(20000).fill(x); console.log(stdin.trim() + (a.length ? "" : "!"))';
    const task = await makeTask({
      classroomId: school.classroom.id,
      tests: [
        testCase({ name: 'shown echo', stdin: 'SEEN', expected: 'SEEN' }),
        testCase({ name: 'secret echo', stdin: 'SECRET-INPUT', expected: 'SECRET-INPUT', visibility: 'hide' }),
      ],
    });
    const events: Record<'student' | 'teacher', TestEvent[]> = { student: [], teacher: [] };
    const sockets: Socket[] = [];
    try {
      for (const who of ['student', 'teacher'] as const) {
        const socket = await connectClient(live.url, tokenFor(school[who]));
        sockets.push(socket);
        socket.on('grading:test', (e: TestEvent) => events[who].push(e));
      }
      const completed = Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.on('grading:completed', () => resolve()))));
      const res = await request(live.url)
        .post('/api/v2/coding-lab/submissions')
        .set(bearer(school.student))
        .send({ taskId: task.id, language: 'javascript', source })
        .expect(202);
      await completed;
      return { submissionId: res.body.data.id as string, events };
    } finally {
      sockets.forEach((s) => s.close());
    }
  }

  describe('with the default buckets (100 ms, 4 MB)', function () {
    this.timeout(30_000);
    let live: LiveServer;
    let worker: RunningWorker;
    let school: Awaited<ReturnType<typeof createSchool>>;
    let submissionId: string;
    let events: Record<'student' | 'teacher', TestEvent[]>;
    let exact: ResultView[];
    let student: ResultView[];

    before(async () => {
      live = await startLiveServer();
      worker = await startGradingWorker();
      school = await createSchool();
      ({ submissionId, events } = await gradeWatched(live, school));
      exact = (await request(live.url).get(`/api/v2/coding-lab/submissions/${submissionId}`).set(bearer(school.teacher)).expect(200)).body.data
        .results;
      student = (await request(live.url).get(`/api/v2/coding-lab/submissions/${submissionId}`).set(bearer(school.student)).expect(200)).body.data
        .results;
    });
    after(async () => {
      await worker?.close();
      await live?.close();
    });

    it('shows the student a hidden test’s time rounded up to 100 ms and its memory to 4 MB', () => {
      const hidden = student[1]!;
      expect(hidden.hidden).to.equal(true);
      expect(hidden.timeMs! % 100, 'time bucket').to.equal(0);
      expect(hidden.memoryKb! % 4096, 'memory bucket').to.equal(0);
      expect(hidden.timeMs)
        .to.be.at.least(exact[1]!.timeMs!)
        .and.below(exact[1]!.timeMs! + 100);
      expect(hidden.memoryKb)
        .to.be.at.least(exact[1]!.memoryKb!)
        .and.below(exact[1]!.memoryKb! + 4096);
    });

    it('tells the student how coarse a hidden test’s figures are', () => {
      expect(student[1]!.figures).to.deep.equal({ timeBucketMs: 100, memoryBucketKb: 4096 });
    });

    it('shows the student a shown test’s figures exactly', () => {
      expect(student[0]).to.include({ timeMs: exact[0]!.timeMs, memoryKb: exact[0]!.memoryKb });
      expect(student[0]).to.not.have.property('figures');
    });

    it('measured a hidden test that used memory, so the rounding is seen at work', () => {
      expect(exact[1]!.memoryKb).to.be.above(0);
    });

    it('sends the student’s socket the same coarse figures as the response', () => {
      const hidden = events.student.find((e) => e.index === 1)!;
      expect(hidden).to.include({ hidden: true, timeMs: student[1]!.timeMs, memoryKb: student[1]!.memoryKb });
    });

    it('sends the teacher’s socket the exact figures of the hidden test', () => {
      const hidden = events.teacher.find((e) => e.index === 1)!;
      expect(hidden).to.include({ name: 'secret echo', timeMs: exact[1]!.timeMs, memoryKb: exact[1]!.memoryKb });
    });

    it('lets an admin read the exact figures too', async () => {
      const res = await request(live.url).get(`/api/v2/coding-lab/submissions/${submissionId}`).set(bearer(school.admin)).expect(200);
      expect(res.body.data.results[1]).to.include({ timeMs: exact[1]!.timeMs, memoryKb: exact[1]!.memoryKb });
    });
  });

  describe('with the buckets set to none', function () {
    this.timeout(30_000);
    const none = { HIDDEN_TEST_TIME_BUCKET_MS: 'none', HIDDEN_TEST_MEMORY_BUCKET_KB: 'none' };
    let live: LiveServer;
    let worker: RunningWorker;
    let school: Awaited<ReturnType<typeof createSchool>>;
    let submissionId: string;
    let events: Record<'student' | 'teacher', TestEvent[]>;

    before(async () => {
      live = await startLiveServer();
      worker = await startGradingWorker({ env: none });
      school = await createSchool();
      ({ submissionId, events } = await gradeWatched(live, school));
    });
    after(async () => {
      await worker?.close();
      await live?.close();
    });

    it('shows the student no time and no memory for a hidden test', async () => {
      const { app } = isolatedApp(none);
      const res = await request(app).get(`/api/v2/coding-lab/submissions/${submissionId}`).set(bearer(school.student)).expect(200);
      expect(res.body.data.results[1]).to.include({ hidden: true, timeMs: null, memoryKb: null });
      expect(res.body.data.results[1].figures).to.deep.equal({ timeBucketMs: null, memoryBucketKb: null });
    });

    it('still shows the teacher the exact figures', async () => {
      const { app } = isolatedApp(none);
      const res = await request(app).get(`/api/v2/coding-lab/submissions/${submissionId}`).set(bearer(school.teacher)).expect(200);
      expect(res.body.data.results[1].timeMs).to.be.a('number');
      expect(res.body.data.results[1].memoryKb).to.be.above(0);
    });

    it('sends the student’s socket no figures for the hidden test', () => {
      expect(events.student.find((e) => e.index === 1)).to.include({ timeMs: null, memoryKb: null });
    });
  });

  describe('the AI reviewer, whose review the student reads', () => {
    it('gets a hidden test’s figures as coarsely as the student sees them, and a shown test’s exactly', async () => {
      const task = await makeTask({
        tests: [testCase({ name: 'shown', stdin: 'a', expected: 'a' }), testCase({ name: 'secret', stdin: 'b', expected: 'b', visibility: 'hide' })],
      });
      const tests = await CodingTestCase.findAll({ where: { taskId: task.id }, order: [['position', 'ASC']] });
      const result = (i: number): TestResult => ({
        index: i,
        testId: tests[i]!.id,
        name: tests[i]!.name,
        visibility: tests[i]!.visibility,
        sample: false,
        verdict: 'accepted',
        points: 1,
        earned: 1,
        timeMs: 42,
        memoryKb: 5000,
        exitCode: 0,
        signal: null,
        stdout: tests[i]!.expected,
        stderr: '',
        stdoutTruncated: false,
        stderrTruncated: false,
        diff: null,
      });
      const student = await createUser();
      const submission = await CodingSubmission.create({
        taskId: task.id,
        userId: student.id,
        classroomId: null,
        language: 'javascript',
        files: [{ name: 'main.js', content: '' }],
        attempt: 1,
        status: 'completed',
        verdict: 'accepted',
        score: 2,
        maxScore: 2,
        results: [result(0), result(1)],
      });
      const input = await loadEvaluationInput(submission, { timeMs: 100, memoryKb: 4096 });
      expect(input.tests.cases.map((c) => [c.hidden, c.timeMs, c.memoryKb])).to.deep.equal([
        [false, 42, 5000],
        [true, 100, 8192],
      ]);
    });
  });
});
