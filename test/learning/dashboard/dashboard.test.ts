import request from 'supertest';
import { expect } from 'chai';
import { app, apiDeps } from '../../support/deps';
import { bearer, createSchool } from '../../support/factories';
import type { Options } from 'sequelize';
import { CodingSubmission, Notification, type Assignment, type CodingTask, type User } from '../../../common/models';
import { makeTask, testCase } from '../../coding-lab/helpers';
import { DAY, makeAssignment, makeSubmission } from '../helpers';
import { invalidateStudents } from '../../../common/learning/student-cache-versions';

/**
 * One student's term, seeded by hand; every figure below is worked out in the comments.
 *
 *   A1 pending   due +2d                         A6  overdue  due −1d, nothing handed in
 *   A2 pending   due +1d                         A7  overdue  due −2d, latest attempt needs_revision
 *   A3 submitted due +3d, on time                A8  draft (invisible)
 *   A10 submitted (late, 1 day) due −2d          A9  other classroom (invisible)
 *   A4 graded  80/100 on time, graded −4d       A11 every classroom, graded 9/10 on time, graded −1d
 *   A5 returned 6/10 on time, graded −2d
 */
describe('student dashboard and progress', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  const at = (days: number) => new Date(Date.now() + days * DAY);
  const a: Record<string, Assignment> = {};

  before(async () => {
    app();
    school = await createSchool();
    const c = school.classroom.id;
    a.A1 = await makeAssignment({ classroomId: c, title: 'A1', dueIn: 2 * DAY });
    a.A2 = await makeAssignment({ classroomId: c, title: 'A2', dueIn: 1 * DAY });
    a.A3 = await makeAssignment({ classroomId: c, title: 'A3', dueIn: 3 * DAY });
    a.A4 = await makeAssignment({ classroomId: c, title: 'A4', dueIn: -5 * DAY });
    a.A5 = await makeAssignment({ classroomId: c, title: 'A5', dueIn: -3 * DAY, maxPoints: 10 });
    a.A6 = await makeAssignment({ classroomId: c, title: 'A6', dueIn: -1 * DAY });
    a.A7 = await makeAssignment({ classroomId: c, title: 'A7', dueIn: -2 * DAY, maxAttempts: 2 });
    a.A8 = await makeAssignment({ classroomId: c, title: 'A8', status: 'draft' });
    a.A9 = await makeAssignment({ classroomId: school.other.id, title: 'A9' });
    a.A10 = await makeAssignment({ classroomId: c, title: 'A10', dueIn: -2 * DAY, acceptLate: true });
    a.A11 = await makeAssignment({ classroomId: null, title: 'A11', dueIn: 4 * DAY, maxPoints: 10 });
    const s = school.student;
    await makeSubmission(a.A3!, s);
    await makeSubmission(a.A10!, s, { status: 'late', daysLate: 1 });
    await makeSubmission(a.A4!, s, { status: 'graded', grade: 80, feedback: 'Nice loops', gradedAt: at(-4) });
    await makeSubmission(a.A5!, s, { status: 'returned', grade: 6, feedback: 'Check edge cases', gradedAt: at(-2) });
    await makeSubmission(a.A7!, s, { status: 'needs_revision', feedback: 'Redo' });
    await makeSubmission(a.A11!, s, { status: 'graded', grade: 9, feedback: 'Great', gradedAt: at(-1) });
    // a classmate's work never counts for this student
    await makeSubmission(a.A1!, school.classmate, { status: 'graded', grade: 100, gradedAt: at(0) });
  });

  const codingTask = () => makeTask({ tests: [testCase({ expected: '1' })] });
  const codingSubmission = (task: CodingTask, user: User, verdict: CodingSubmission['verdict']) =>
    CodingSubmission.create({
      taskId: task.id,
      userId: user.id,
      classroomId: user.classroomId ?? null,
      language: 'python',
      files: [{ name: 'main.py', content: 'print(1)' }],
      status: verdict ? 'completed' : 'queued',
      verdict,
      attempt: 1,
      jobId: null,
    });

  // an every-classroom assignment reaches every student of the run: leave none behind
  after(async () => a.A11?.destroy());

  const dashboard = () => request(app()).get('/api/v2/student/dashboard').set(bearer(school.student)).expect(200);
  const progress = () => request(app()).get('/api/v2/student/progress').set(bearer(school.student)).expect(200);

  describe('GET /api/v2/student/dashboard', () => {
    it('counts pending, submitted, graded and overdue work', async () => {
      const { body } = await dashboard();
      expect(body.data.counts).to.deep.equal({ pending: 2, submitted: 2, graded: 3, overdue: 2, total: 9 });
    });

    it('lists the next deadlines of work still to do, soonest first', async () => {
      const { body } = await dashboard();
      expect(body.data.nextDeadlines.map((d: { title: string }) => d.title)).to.deep.equal(['A2', 'A1']);
    });

    it('lists the latest grades with feedback, newest first', async () => {
      const { body } = await dashboard();
      expect(body.data.latestGrades.map((g: { title: string; grade: number; feedback: string }) => [g.title, g.grade, g.feedback])).to.deep.equal([
        ['A11', 9, 'Great'],
        ['A5', 6, 'Check edge cases'],
        ['A4', 80, 'Nice loops'],
      ]);
    });

    it('gives completion 5 of 9 = 55.6 % and the average grade (80 + 60 + 90) / 3 = 76.67 %', async () => {
      const { body } = await dashboard();
      expect(body.data.completionPercent).to.equal(55.6);
      expect(body.data.averageGradePercent).to.equal(76.67);
    });

    it('reports no coding-lab solves yet', async () => {
      const { body } = await dashboard();
      expect(body.data.codingLab.solved).to.equal(0);
    });

    it("counts the student's unread notifications, leaving out read ones and a classmate's", async () => {
      const note = (userId: string, readAt: Date | null) =>
        Notification.create({ userId, type: 'announcement', title: 'n', link: null, dedupeKey: null, readAt });
      await Promise.all([
        note(school.student.id, null),
        note(school.student.id, null),
        note(school.student.id, new Date()),
        note(school.classmate.id, null),
      ]);
      const { body } = await dashboard();
      expect(body.data.notifications).to.deep.equal({ available: true, unread: 2 });
    });

    /** The SQL statements the route runs for one request. */
    const statementsOf = async (run: () => Promise<unknown>) => {
      // Sequelize reads `options.logging` on every query, so this sees each statement the route runs
      const options = (apiDeps().sequelize as unknown as { options: Options }).options;
      const queries: string[] = [];
      const before = options.logging;
      options.logging = (sql: string) => {
        queries.push(sql);
      };
      try {
        await run();
      } finally {
        options.logging = before;
      }
      return queries;
    };

    it('builds the page with ONE SQL query', async () => {
      await dashboard(); // the pool has its connection by now
      await invalidateStudents([school.student.id]);
      expect(await statementsOf(dashboard)).to.have.length(1);
    });

    it('answers a repeat with no SQL at all, from the page cache', async () => {
      await dashboard();
      expect(await statementsOf(dashboard)).to.have.length(0);
    });

    it('answers 403 to a teacher', async () => {
      await request(app()).get('/api/v2/student/dashboard').set(bearer(school.teacher)).expect(403);
    });

    describe('with coding-lab submissions', () => {
      before(async () => {
        const [t1, t2, t3] = [await codingTask(), await codingTask(), await codingTask()];
        const me = school.student;
        // t1 solved twice, t2 only failed, t3 solved, t3 still being graded again; a classmate solved t2
        await codingSubmission(t1!, me, 'accepted');
        await codingSubmission(t1!, me, 'accepted');
        await codingSubmission(t2!, me, 'wrong_answer');
        await codingSubmission(t3!, me, 'accepted');
        await codingSubmission(t3!, me, null);
        await codingSubmission(t2!, school.classmate, 'accepted');
      });

      it('counts the distinct coding tasks the student has an accepted submission for: 2', async () => {
        const { body } = await dashboard();
        expect(body.data.codingLab).to.deep.equal({ available: true, solved: 2 });
      });
    });
  });

  describe('GET /api/v2/student/progress', () => {
    it('gives overall completion, on-time rate (4 of 5 handed in on time), average and missing work', async () => {
      const { body } = await progress();
      expect(body.data.overall).to.deep.equal({
        assignments: 9,
        completed: 5,
        completionRate: 55.6,
        onTime: 4,
        onTimeRate: 80,
        averageGradePercent: 76.67,
        missing: 2,
      });
      expect(body.data.missing.map((m: { title: string }) => m.title).sort()).to.deep.equal(['A6', 'A7']);
    });

    it('splits the figures per classroom: the student’s classroom and the every-classroom work', async () => {
      const { body } = await progress();
      const byName = Object.fromEntries(body.data.byClassroom.map((c: { classroomName: string }) => [c.classroomName, c]));
      expect(byName[school.classroom.name]).to.deep.include({
        classroomId: school.classroom.id,
        assignments: 8,
        completed: 4,
        completionRate: 50,
        onTime: 3,
        onTimeRate: 75,
        averageGradePercent: 70,
        missing: 2,
      });
      expect(byName['All classrooms']).to.deep.include({
        classroomId: null,
        assignments: 1,
        completed: 1,
        completionRate: 100,
        averageGradePercent: 90,
      });
    });

    it('charts grades in the order given with a running average, and reads the trend as up', async () => {
      const { body } = await progress();
      expect(
        body.data.trend.points.map((p: { title: string; percent: number; runningAverage: number }) => [p.title, p.percent, p.runningAverage]),
      ).to.deep.equal([
        ['A4', 80, 80],
        ['A5', 60, 70],
        ['A11', 90, 76.67],
      ]);
      // least squares over (0, 80), (1, 60), (2, 90): slope +5 points per grade
      expect(body.data.trend).to.deep.include({ direction: 'up', slopePerGrade: 5 });
    });

    it('gives each assignment its state, timeliness and grade percent', async () => {
      const { body } = await progress();
      const byTitle = Object.fromEntries(body.data.byAssignment.map((r: { title: string }) => [r.title, r]));
      expect(Object.keys(byTitle).sort()).to.deep.equal(['A1', 'A10', 'A11', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7']);
      expect(byTitle.A10).to.deep.include({ state: 'submitted', onTime: false, daysLate: 1, gradePercent: null });
      expect(byTitle.A5).to.deep.include({ state: 'graded', onTime: true, grade: 6, maxPoints: 10, gradePercent: 60 });
      expect(byTitle.A6).to.deep.include({ state: 'overdue', onTime: null });
    });
  });
});

describe('GET /api/v2/student/progress: grades of each attempt', () => {
  it('charts each assignment’s graded attempts in attempt order, as percent of its maximum', async () => {
    app();
    const school = await createSchool();
    const a = await makeAssignment({ classroomId: school.classroom.id, dueIn: -DAY, maxPoints: 50, maxAttempts: 3 });
    await makeSubmission(a, school.student, { attempt: 1, status: 'needs_revision', grade: 20, gradedAt: new Date(Date.now() - 2 * DAY) });
    await makeSubmission(a, school.student, { attempt: 2, status: 'graded', grade: 35, gradedAt: new Date(Date.now() - DAY) });
    const { body } = await request(app()).get('/api/v2/student/progress').set(bearer(school.student)).expect(200);
    const row = body.data.byAssignment.find((r: { assignmentId: string }) => r.assignmentId === a.id);
    expect(row.attemptGrades.map((g: { attempt: number; grade: number; percent: number }) => [g.attempt, g.grade, g.percent])).to.deep.equal([
      [1, 20, 40],
      [2, 35, 70],
    ]);
    expect(row).to.deep.include({ state: 'graded', grade: 35, gradePercent: 70 });
  });
});

describe('GET /api/v2/student/dashboard: at most 5 deadlines and 5 grades', () => {
  it('shows the 5 soonest deadlines and the 5 newest grades out of 6 each', async () => {
    app();
    const school = await createSchool();
    for (let i = 1; i <= 6; i++) {
      await makeAssignment({ classroomId: school.classroom.id, title: `P${i}`, dueIn: i * DAY });
      const g = await makeAssignment({ classroomId: school.classroom.id, title: `G${i}`, dueIn: -10 * DAY });
      await makeSubmission(g, school.student, { status: 'graded', grade: 50 + i, feedback: `note ${i}`, gradedAt: new Date(Date.now() - i * DAY) });
    }
    const { body } = await request(app()).get('/api/v2/student/dashboard').set(bearer(school.student)).expect(200);
    expect(body.data.nextDeadlines.map((d: { title: string }) => d.title)).to.deep.equal(['P1', 'P2', 'P3', 'P4', 'P5']);
    expect(body.data.latestGrades.map((g: { title: string; feedback: string }) => [g.title, g.feedback])).to.deep.equal([
      ['G1', 'note 1'],
      ['G2', 'note 2'],
      ['G3', 'note 3'],
      ['G4', 'note 4'],
      ['G5', 'note 5'],
    ]);
    expect(body.data.counts).to.include({ pending: 6, graded: 6 });
  });
});
