import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createClassroom, createSchool, createUser } from '../support/factories';

describe('GET /classrooms', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  before(async () => {
    school = await createSchool();
  });

  it('shows a teacher only the classrooms they teach, with student counts', async () => {
    const res = await request(app()).get('/api/v2/classrooms').set(bearer(school.teacher)).expect(200);
    expect(res.body.data).to.deep.equal([
      {
        id: school.classroom.id,
        name: school.classroom.name,
        academicYear: '2025/2026',
        archivedAt: null,
        joinCode: school.classroom.joinCode,
        studentCount: 2,
      },
    ]);
    expect(res.body.meta).to.deep.equal({ page: 1, pageSize: 20, total: 1 });
  });

  it('shows an admin every classroom', async () => {
    // other suites in the run make classrooms too, so read every page rather than the first
    const ids: string[] = [];
    for (let page = 1; ; page++) {
      const res = await request(app()).get(`/api/v2/classrooms?pageSize=100&page=${page}`).set(bearer(school.admin)).expect(200);
      ids.push(...res.body.data.map((c: { id: string }) => c.id));
      if (ids.length >= res.body.meta.total || res.body.data.length === 0) break;
    }
    expect(ids).to.include.members([school.classroom.id, school.other.id]);
  });

  it('pages through a teacher’s classrooms', async () => {
    const rooms = await Promise.all([createClassroom(), createClassroom(), createClassroom()]);
    const teacher = await createUser({ role: 'teacher', teaches: rooms.map((r) => r.id) });
    const first = await request(app()).get('/api/v2/classrooms?page=1&pageSize=2').set(bearer(teacher)).expect(200);
    const second = await request(app()).get('/api/v2/classrooms?page=2&pageSize=2').set(bearer(teacher)).expect(200);
    expect(first.body.data).to.have.length(2);
    expect(second.body.data).to.have.length(1);
    expect(first.body.meta).to.deep.equal({ page: 1, pageSize: 2, total: 3 });
    const seen = [...first.body.data, ...second.body.data].map((c: { id: string }) => c.id).sort();
    expect(seen).to.deep.equal(rooms.map((r) => r.id).sort());
  });

  it('answers 403 to a student calling this teacher route', async () => {
    const res = await request(app()).get('/api/v2/classrooms').set(bearer(school.student)).expect(403);
    expect(res.body.error.code).to.equal('FORBIDDEN');
  });

  it('answers 401 without a token', async () => {
    await request(app()).get('/api/v2/classrooms').expect(401);
  });

  it('refuses a query parameter it does not know', async () => {
    await request(app()).get('/api/v2/classrooms?teacherId=x').set(bearer(school.admin)).expect(400);
  });
});
