import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { User } from '../../common/models';

describe('student profile', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  before(async () => {
    school = await createSchool();
  });

  it('shows the student their own profile with their classroom, and never the password hash', async () => {
    const res = await request(app()).get('/api/v2/student/profile').set(bearer(school.student)).expect(200);
    expect(res.body.data).to.include({ id: school.student.id, email: school.student.email, role: 'student' });
    expect(res.body.data.classroom).to.deep.equal({
      id: school.classroom.id,
      name: school.classroom.name,
      academicYear: school.classroom.academicYear,
    });
    expect(JSON.stringify(res.body)).to.not.include('$2b$');
  });

  it('updates name, phone, bio and avatarUrl', async () => {
    const patch = { name: 'Ayu L.', phone: '+62 812-3456-7890', bio: 'Suka Python', avatarUrl: 'https://cdn.example.com/a.png' };
    const res = await request(app()).patch('/api/v2/student/profile').set(bearer(school.student)).send(patch).expect(200);
    expect(res.body.data).to.include(patch);
    const stored = await User.findByPk(school.student.id);
    expect(stored).to.include(patch);
  });

  it('clears the phone with null', async () => {
    const res = await request(app()).patch('/api/v2/student/profile').set(bearer(school.student)).send({ phone: null }).expect(200);
    expect(res.body.data.phone).to.equal(null);
  });

  it('clears the bio with an empty string', async () => {
    await request(app()).patch('/api/v2/student/profile').set(bearer(school.student)).send({ bio: 'Suka C' }).expect(200);
    const res = await request(app()).patch('/api/v2/student/profile').set(bearer(school.student)).send({ bio: '' }).expect(200);
    expect(res.body.data.bio).to.equal(null);
    expect((await User.findByPk(school.student.id))!.bio).to.equal(null);
  });

  it('shows a student without a classroom no classroom', async () => {
    const loner = await createUser({ role: 'student' });
    const res = await request(app()).get('/api/v2/student/profile').set(bearer(loner)).expect(200);
    expect(res.body.data.classroom).to.equal(null);
  });

  for (const [field, value] of [
    ['role', 'admin'],
    ['email', 'new@sekolah.test'],
    ['classroomId', '00000000-0000-4000-8000-000000000000'],
    ['studentNumber', '999'],
    ['status', 'active'],
    ['id', '00000000-0000-4000-8000-000000000000'],
  ] as const) {
    it(`refuses to change ${field}, naming it in a 400, and changes nothing`, async () => {
      const res = await request(app())
        .patch('/api/v2/student/profile')
        .set(bearer(school.classmate))
        .send({ name: 'Changed', [field]: value })
        .expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal([field]);
      const stored = await User.findByPk(school.classmate.id);
      expect(stored!.name).to.equal(school.classmate.name);
      expect(stored!.role).to.equal('student');
    });
  }

  it('refuses an avatarUrl that is not an http(s) URL', async () => {
    const res = await request(app())
      .patch('/api/v2/student/profile')
      .set(bearer(school.student))
      .send({ avatarUrl: 'javascript:alert(1)' })
      .expect(400);
    expect(res.body.error.details[0].field).to.equal('avatarUrl');
  });

  it('refuses an empty patch', async () => {
    await request(app()).patch('/api/v2/student/profile').set(bearer(school.student)).send({}).expect(400);
  });

  it('answers 403 to a teacher, whose profile is not a student profile', async () => {
    const res = await request(app()).get('/api/v2/student/profile').set(bearer(school.teacher)).expect(403);
    expect(res.body.error.code).to.equal('FORBIDDEN');
  });

  it('answers 401 without a token', async () => {
    await request(app()).get('/api/v2/student/profile').expect(401);
  });
});
