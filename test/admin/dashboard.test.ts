import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps } from '../support/deps';
import { bearer, createClassroom, createUser } from '../support/factories';
import { login } from '../support/auth';
import { Assignment, Classroom, CodingSubmission, Submission } from '../../common/models';
import { makeTask, testCase } from '../coding-lab/helpers';
import type { AdminDashboard } from '../../api/admin/dashboard/service';

const api = () => request(app());

async function dashboard(): Promise<AdminDashboard> {
  const admin = await createUser({ role: 'admin' });
  return (await api().get('/api/v2/admin/dashboard').set(bearer(admin)).expect(200)).body.data as AdminDashboard;
}

describe('admin dashboard', () => {
  it('refuses teachers (403)', async () => {
    await api()
      .get('/api/v2/admin/dashboard')
      .set(bearer(await createUser({ role: 'teacher' })))
      .expect(403);
  });

  it('counts the students of each live classroom and leaves archived ones out', async () => {
    const live = await createClassroom();
    const archived = await createClassroom();
    await Classroom.update({ archivedAt: new Date() }, { where: { id: archived.id } });
    for (let i = 0; i < 3; i++) await createUser({ classroomId: live.id });
    const gone = await createUser({ classroomId: live.id });
    await gone.destroy();
    const data = await dashboard();
    expect(data.studentsByClassroom.find((c) => c.classroomId === live.id)).to.include({ students: 3, name: live.name });
    expect(data.studentsByClassroom.some((c) => c.classroomId === archived.id)).to.equal(false);
  });

  it('counts work waiting for grading by its latest attempt', async () => {
    const classroom = await createClassroom();
    const student = await createUser({ classroomId: classroom.id });
    const a = await Assignment.create({
      title: 'W',
      classroomId: classroom.id,
      kind: 'text',
      dueAt: new Date(),
      maxPoints: 10,
      status: 'published',
      createdBy: null,
    });
    const before = (await dashboard()).waitingForGrading;
    await Submission.create({
      assignmentId: a.id,
      studentId: student.id,
      attempt: 1,
      content: 'x',
      status: 'graded',
      submittedAt: new Date(),
      grade: 5,
    });
    expect((await dashboard()).waitingForGrading).to.equal(before);
    await Submission.create({ assignmentId: a.id, studentId: student.id, attempt: 2, content: 'y', status: 'late', submittedAt: new Date() });
    const after = await dashboard();
    expect(after.waitingForGrading).to.equal(before + 1);
    expect(after.last7Days.at(-1)!.submissions).to.be.at.least(2);
  });

  it('shows the grading queue depth', async () => {
    const before = (await dashboard()).gradingQueue.delayed;
    const job = await apiDeps().queues.grading.add('grading', { kind: 'submission', submissionId: crypto.randomUUID() }, { delay: 3_600_000 });
    try {
      expect((await dashboard()).gradingQueue.delayed).to.equal(before + 1);
    } finally {
      await job.remove();
    }
  });

  it('counts coding-lab grading that failed today', async () => {
    const before = (await dashboard()).codingGradingFailedToday;
    const task = await makeTask({ tests: [testCase({ expected: '1' })], languages: ['javascript'] });
    const user = await createUser();
    await CodingSubmission.create({
      taskId: task.id,
      userId: user.id,
      classroomId: null,
      language: 'javascript',
      files: [],
      attempt: 1,
      status: 'failed',
      verdict: 'internal_error',
      finishedAt: new Date(),
    });
    expect((await dashboard()).codingGradingFailedToday).to.equal(before + 1);
  });

  it("gives the last 7 days' activity, today last, with today's logins", async () => {
    const before = (await dashboard()).last7Days.at(-1)!.logins;
    await login(await createUser());
    const data = await dashboard();
    expect(data.last7Days).to.have.length(7);
    expect(data.last7Days.at(-1)!.date).to.equal(new Date().toISOString().slice(0, 10));
    expect(data.last7Days.at(-1)!.logins).to.equal(before + 1);
  });
});
