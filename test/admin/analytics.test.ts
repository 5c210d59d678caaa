import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps } from '../support/deps';
import { bearer, createClassroom, createUser } from '../support/factories';
import { Assignment, CodingSubmission, Submission, User, type TestResult } from '../../common/models';
import { enqueue } from '../../common/queues';
import { makeTask, settled, startGradingWorker, testCase } from '../coding-lab/helpers';

const api = () => request(app());
const DAY = 86400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

type Verdicts = Record<string, 'accepted' | 'wrong_answer'>;
const results = (v: Verdicts) => Object.entries(v).map(([name, verdict], index) => ({ index, name, verdict }) as unknown as TestResult);

/**
 * A classroom small enough to count by hand: 4 students, 3 assignments (one not yet due), 7
 * submissions with a resubmission, and 4 coding-lab submissions.
 */
async function seedClassroom() {
  const classroom = await createClassroom();
  const teacher = await createUser({ role: 'teacher', teaches: [classroom.id] });
  const [s1, s2, s3, s4] = await Promise.all(['Ani', 'Budi', 'Citra', 'Dewi'].map((name) => createUser({ classroomId: classroom.id, name })));
  await User.update({ lastLoginAt: ago(1) }, { where: { id: s4!.id } });
  const make = (title: string, dueAt: Date, maxPoints: number) =>
    Assignment.create({ title, classroomId: classroom.id, kind: 'text', dueAt, maxPoints, status: 'published', createdBy: teacher.id });
  const a1 = await make('A1', ago(10), 100);
  const a2 = await make('A2', ago(5), 50);
  const a3 = await make('A3', ago(-5), 100);
  await make('Draft', ago(3), 100).then((a) => a.update({ status: 'draft' }));
  const sub = (a: Assignment, student: User, attempt: number, grade: number | null, daysLate: number, submittedAt: Date) =>
    Submission.create({
      assignmentId: a.id,
      studentId: student.id,
      attempt,
      content: 'x',
      status: grade === null ? 'submitted' : 'graded',
      submittedAt,
      daysLate,
      grade,
    });
  await sub(a1, s1!, 1, 60, 0, ago(11));
  await sub(a1, s1!, 2, 90, 0, ago(10.5));
  await sub(a1, s2!, 1, 70, 0, ago(10.2));
  await sub(a1, s3!, 1, 40, 2, ago(8));
  await sub(a2, s1!, 1, 45, 0, ago(6));
  await sub(a2, s2!, 1, 25, 1, ago(4));
  const pending = await sub(a3, s1!, 1, null, 0, ago(0.1));
  const task = await makeTask({ tests: [testCase({ expected: '3' })], languages: ['javascript'] });
  const coding = (student: User, verdict: 'accepted' | 'wrong_answer', v: Verdicts) =>
    CodingSubmission.create({
      taskId: task.id,
      userId: student.id,
      classroomId: classroom.id,
      language: 'javascript',
      files: [],
      attempt: 1,
      status: 'completed',
      verdict,
      results: results(v),
    });
  await coding(s1!, 'accepted', { small: 'accepted', 'big numbers': 'accepted', negative: 'accepted' });
  await coding(s2!, 'wrong_answer', { small: 'accepted', 'big numbers': 'wrong_answer', negative: 'accepted' });
  await coding(s2!, 'wrong_answer', { small: 'accepted', 'big numbers': 'wrong_answer', negative: 'wrong_answer' });
  await coding(s3!, 'wrong_answer', { small: 'accepted', 'big numbers': 'wrong_answer', negative: 'accepted' });
  return { classroom, teacher, students: [s1!, s2!, s3!, s4!], a1, a2, a3, task, pending };
}

const get = (user: User, classroomId: string, extra = '') =>
  api().get(`/api/v2/admin/analytics?classroomId=${classroomId}${extra}`).set(bearer(user));

interface Stats {
  count: number;
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  mean: number | null;
  max: number | null;
}
interface Figures {
  students: number;
  activeStudents7d: number;
  summary: Record<string, unknown> & { gradePercent: Stats; histogram: number[] };
  assignments: (Record<string, unknown> & { title: string; grades: Stats; histogram: number[] })[];
  codingLab: (Record<string, unknown> & { mostFailedTest: { name: string; failures: number } | null })[];
  atRisk: { name: string; missing: number; reasons: string[] }[];
}

describe('admin analytics: the figures', () => {
  let seeded: Awaited<ReturnType<typeof seedClassroom>>;
  let data: Figures;

  before(async () => {
    seeded = await seedClassroom();
    data = (await get(seeded.teacher, seeded.classroom.id).expect(200)).body.data;
  });

  it('counts the students and those active in the last 7 days (signed in, submitted or coded)', () => {
    expect(data.students).to.equal(4);
    expect(data.activeStudents7d).to.equal(4);
  });

  it('gives per assignment the submission rate and the on-time, late and missing counts (drafts left out, not-yet-due work never missing)', () => {
    const rows = data.assignments.map(({ title, submitted, onTime, late, missing, submissionRate }) => ({
      title,
      submitted,
      onTime,
      late,
      missing,
      submissionRate,
    }));
    expect(rows).to.deep.equal([
      { title: 'A1', submitted: 3, onTime: 2, late: 1, missing: 1, submissionRate: 0.75 },
      { title: 'A2', submitted: 2, onTime: 1, late: 1, missing: 2, submissionRate: 0.5 },
      { title: 'A3', submitted: 1, onTime: 1, late: 0, missing: 0, submissionRate: 0.25 },
    ]);
  });

  it('gives per assignment the grade statistics of the attempt that counts, and a histogram of percentages', () => {
    const [a1, a2, a3] = data.assignments as [Figures['assignments'][number], Figures['assignments'][number], Figures['assignments'][number]];
    // A1: latest attempts 90, 70, 40
    expect(a1.grades).to.deep.equal({ count: 3, min: 40, q1: 55, median: 70, q3: 80, mean: 66.67, max: 90 });
    expect(a1.histogram).to.deep.equal([0, 0, 0, 0, 1, 0, 0, 1, 0, 1]);
    // A2 out of 50: 45 and 25
    expect(a2.grades).to.deep.equal({ count: 2, min: 25, q1: 30, median: 35, q3: 40, mean: 35, max: 45 });
    expect(a2.histogram).to.deep.equal([0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(a3.grades).to.deep.equal({ count: 0, min: null, q1: null, median: null, q3: null, mean: null, max: null });
  });

  it('sums the classroom, grades as percentages of each assignment', () => {
    expect(data.summary).to.deep.include({ assignments: 3, submitted: 6, onTime: 4, late: 2, missing: 3, submissionRate: 0.5 });
    // 90 %, 70 %, 40 %, 90 %, 50 %
    expect(data.summary.gradePercent).to.deep.equal({ count: 5, min: 40, q1: 50, median: 70, q3: 90, mean: 68, max: 90 });
    expect(data.summary.histogram).to.deep.equal([0, 0, 0, 0, 1, 1, 0, 1, 0, 2]);
  });

  it('gives the coding lab pass rate per task and the most often failing test', () => {
    expect(data.codingLab).to.have.length(1);
    expect(data.codingLab[0]!).to.deep.include({ taskId: seeded.task.id, submissions: 4, students: 3, passed: 1, passRate: 0.33 });
    expect(data.codingLab[0]!.mostFailedTest).to.deep.equal({ name: 'big numbers', failures: 3 });
  });

  it('names the students missing 2 or more of the last 5 due assignments', () => {
    expect(data.atRisk.map((r) => [r.name, r.missing, r.reasons])).to.deep.equal([['Dewi', 2, ['missing']]]);
  });

  it('takes the at-risk thresholds from the query', async () => {
    const res = await get(seeded.teacher, seeded.classroom.id, '&riskMissing=1&riskWindow=1').expect(200);
    expect(res.body.data.atRisk.map((r: { name: string }) => r.name)).to.deep.equal(['Citra', 'Dewi']);
  });

  it('limits assignments to a due-date range', async () => {
    const res = await get(seeded.teacher, seeded.classroom.id, `&from=${ago(7).toISOString()}&to=${ago(1).toISOString()}`).expect(200);
    expect(res.body.data.assignments.map((a: { title: string }) => a.title)).to.deep.equal(['A2']);
  });
});

describe('admin analytics: a falling trend', () => {
  it('flags a student whose last three grades average 15 points or more below the three before', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    const falling = await createUser({ classroomId: classroom.id, name: 'Falling' });
    const steady = await createUser({ classroomId: classroom.id, name: 'Steady' });
    const grades = [90, 90, 90, 60, 60, 60];
    for (const [i, g] of grades.entries()) {
      const a = await Assignment.create({
        title: `T${i}`,
        classroomId: classroom.id,
        kind: 'text',
        dueAt: ago(30 - i),
        maxPoints: 100,
        status: 'published',
        createdBy: null,
      });
      await Submission.create({
        assignmentId: a.id,
        studentId: falling.id,
        attempt: 1,
        content: 'x',
        status: 'graded',
        submittedAt: ago(31 - i),
        grade: g,
      });
      await Submission.create({
        assignmentId: a.id,
        studentId: steady.id,
        attempt: 1,
        content: 'x',
        status: 'graded',
        submittedAt: ago(31 - i),
        grade: 80,
      });
    }
    const res = await get(admin, classroom.id).expect(200);
    expect(res.body.data.atRisk).to.have.length(1);
    expect(res.body.data.atRisk[0]).to.include({ name: 'Falling', recentPercent: 60, earlierPercent: 90 });
    expect(res.body.data.atRisk[0].reasons).to.deep.equal(['falling']);
  });
});

describe('admin analytics: access', () => {
  it('answers 404 to a teacher for a classroom they do not teach, and 403 to a student', async () => {
    const classroom = await createClassroom();
    const teacher = await createUser({ role: 'teacher' });
    await get(teacher, classroom.id).expect(404);
    await get(await createUser({ classroomId: classroom.id }), classroom.id).expect(403);
  });

  it('needs a classroomId (400)', async () => {
    await api()
      .get('/api/v2/admin/analytics')
      .set(bearer(await createUser({ role: 'admin' })))
      .expect(400);
  });
});

describe('admin analytics: the cache', () => {
  it('answers the second request from Redis with the first generatedAt', async () => {
    const { classroom, teacher } = await seedClassroom();
    const first = await get(teacher, classroom.id).expect(200);
    const second = await get(teacher, classroom.id).expect(200);
    expect([first.headers['x-cache'], second.headers['x-cache']]).to.deep.equal(['miss', 'hit']);
    expect(second.body.data.generatedAt).to.equal(first.body.data.generatedAt);
  });

  it('recomputes after a teacher grades through the API', async () => {
    const { classroom, teacher, pending } = await seedClassroom();
    await get(teacher, classroom.id).expect(200);
    await get(teacher, classroom.id).expect(200).expect('x-cache', 'hit');
    await api().patch(`/api/v2/admin/submissions/${pending.id}/grade`).set(bearer(teacher)).send({ grade: 100, status: 'graded' }).expect(200);
    const after = await get(teacher, classroom.id).expect(200).expect('x-cache', 'miss');
    expect(after.body.data.assignments[2].grades).to.include({ count: 1, max: 100 });
  });

  it('recomputes after a student submits', async () => {
    const { classroom, teacher, students, a2 } = await seedClassroom();
    await get(teacher, classroom.id).expect(200);
    await Submission.create({
      assignmentId: a2.id,
      studentId: students[3]!.id,
      attempt: 1,
      content: 'late',
      status: 'late',
      submittedAt: new Date(),
      daysLate: 5,
    });
    const after = await get(teacher, classroom.id).expect(200).expect('x-cache', 'miss');
    expect(after.body.data.assignments[1]).to.include({ submitted: 3, late: 2, missing: 1 });
  });

  it('recomputes after a grading worker grades a coding-lab submission', async function () {
    this.timeout(60_000);
    const { classroom, teacher, students, task } = await seedClassroom();
    const before = await get(teacher, classroom.id).expect(200);
    expect(before.body.data.codingLab[0].passed).to.equal(1);
    const worker = await startGradingWorker({ concurrency: 1 });
    try {
      const s = await CodingSubmission.create({
        taskId: task.id,
        userId: students[3]!.id,
        classroomId: classroom.id,
        language: 'javascript',
        files: [{ name: 'main.js', content: 'console.log(3)' }],
        attempt: 1,
        jobId: null,
      });
      await enqueue(apiDeps().queues, 'grading', { kind: 'submission', submissionId: s.id }, { jobId: s.id });
      expect((await settled(s.id)).verdict).to.equal('accepted');
    } finally {
      await worker.close();
    }
    const after = await get(teacher, classroom.id).expect(200).expect('x-cache', 'miss');
    expect(after.body.data.codingLab[0]).to.include({ passed: 2, students: 4 });
  });
});
