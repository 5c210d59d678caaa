import { expect } from 'chai';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { createSchool, tokenFor, bearer } from '../support/factories';
import { startLiveServer, connectClient, type LiveServer } from '../support/realtime';
import type { RealtimeEvents } from '../../common/realtime/events';
import type { CodingTask } from '../../common/models';
import { makeTask, startGradingWorker, testCase, type RunningWorker } from './helpers';

/**
 * The four visibility modes, each with a passing and a failing test, graded for real: what the
 * student sees in GET /submissions/:id and in `grading:test` must agree, and staff see everything.
 */
describe('coding lab: test visibility for students, in responses and live events', function () {
  this.timeout(30_000);
  let live: LiveServer;
  let worker: RunningWorker;
  let school: Awaited<ReturnType<typeof createSchool>>;
  let task: CodingTask;
  let submissionId: string;
  const sockets: Socket[] = [];
  const events: Record<'student' | 'teacher', RealtimeEvents['grading:test'][]> = { student: [], teacher: [] };

  // the program echoes its input: a test passes when its expected output equals its stdin
  const cases = [
    { name: 'show passes', visibility: 'show', stdin: 'SHOW-PASS', expected: 'SHOW-PASS', studentSees: true },
    { name: 'show fails', visibility: 'show', stdin: 'SHOW-FAIL-IN', expected: 'SHOW-FAIL-OUT', studentSees: true },
    { name: 'hide passes', visibility: 'hide', stdin: 'HIDE-PASS', expected: 'HIDE-PASS', studentSees: false },
    { name: 'hide fails', visibility: 'hide', stdin: 'HIDE-FAIL-IN', expected: 'HIDE-FAIL-OUT', studentSees: false },
    { name: 'his passes', visibility: 'hide_if_succeed', stdin: 'HIS-PASS', expected: 'HIS-PASS', studentSees: false },
    { name: 'his fails', visibility: 'hide_if_succeed', stdin: 'HIS-FAIL-IN', expected: 'HIS-FAIL-OUT', studentSees: true },
    { name: 'hif passes', visibility: 'hide_if_fail', stdin: 'HIF-PASS', expected: 'HIF-PASS', studentSees: true },
    { name: 'hif fails', visibility: 'hide_if_fail', stdin: 'HIF-FAIL-IN', expected: 'HIF-FAIL-OUT', studentSees: false },
  ] as const;

  before(async () => {
    live = await startLiveServer();
    worker = await startGradingWorker();
    school = await createSchool();
    task = await makeTask({
      classroomId: school.classroom.id,
      tests: cases.map((c) => testCase({ name: c.name, stdin: c.stdin, expected: c.expected, visibility: c.visibility })),
    });
    for (const who of ['student', 'teacher'] as const) {
      const socket = await connectClient(live.url, tokenFor(school[who]));
      sockets.push(socket);
      socket.on('grading:test', (e: RealtimeEvents['grading:test']) => events[who].push(e));
    }
    const completed = Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.on('grading:completed', () => resolve()))));
    const res = await request(live.url)
      .post('/api/v2/coding-lab/submissions')
      .set(bearer(school.student))
      .send({ taskId: task.id, language: 'javascript', source: 'console.log(stdin.trim())' })
      .expect(202);
    submissionId = res.body.data.id;
    await completed;
  });
  after(async () => {
    sockets.forEach((s) => s.close());
    await worker?.close();
    await live?.close();
  });

  const secretsOf = (c: (typeof cases)[number]) => [c.name, c.stdin, c.expected];

  it('grades the echo program as the cases expect', async () => {
    const res = await request(live.url).get(`/api/v2/coding-lab/submissions/${submissionId}`).set(bearer(school.teacher)).expect(200);
    expect(res.body.data.results.map((r: { verdict: string }) => r.verdict)).to.deep.equal(
      cases.map((c) => (c.stdin === c.expected ? 'accepted' : 'wrong_answer')),
    );
  });

  it('shows the student a test in full or only as "Hidden test N" exactly as its visibility and outcome say', async () => {
    const res = await request(live.url).get(`/api/v2/coding-lab/submissions/${submissionId}`).set(bearer(school.student)).expect(200);
    const results = res.body.data.results as Array<Record<string, unknown>>;
    cases.forEach((c, i) => {
      if (c.studentSees) {
        expect(results[i], c.name).to.include({ name: c.name, stdin: c.stdin, expected: c.expected });
      } else {
        expect(Object.keys(results[i]!).sort(), c.name).to.deep.equal([
          'earned',
          'figures',
          'hidden',
          'index',
          'memoryKb',
          'name',
          'points',
          'timeMs',
          'verdict',
        ]);
        expect(results[i], c.name).to.include({ name: `Hidden test ${i + 1}`, hidden: true });
      }
    });
    const text = JSON.stringify(res.body);
    for (const c of cases.filter((x) => !x.studentSees)) {
      for (const secret of secretsOf(c)) expect(text, c.name).to.not.include(secret);
    }
  });

  it('names tests in the student’s grading:test events by the same rule', () => {
    expect(events.student.map((e) => e.name)).to.deep.equal(cases.map((c, i) => (c.studentSees ? c.name : `Hidden test ${i + 1}`)));
    expect(JSON.stringify(events.student)).to.not.match(/hide passes|hide fails|his passes|hif fails/);
  });

  it('shows the classroom teacher every test in full, in the response and the events', async () => {
    const res = await request(live.url).get(`/api/v2/coding-lab/submissions/${submissionId}`).set(bearer(school.teacher)).expect(200);
    cases.forEach((c, i) =>
      expect(res.body.data.results[i], c.name).to.include({ name: c.name, stdin: c.stdin, expected: c.expected, visibility: c.visibility }),
    );
    expect(events.teacher.map((e) => e.name)).to.deep.equal(cases.map((c) => c.name));
  });
});
