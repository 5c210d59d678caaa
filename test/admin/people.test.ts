import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps } from '../support/deps';
import { bearer, createClassroom, createSchool, createUser, TEST_PASSWORD, tokenFor } from '../support/factories';
import { auth, login, sessionStatus } from '../support/auth';
import { AuditEntry, User } from '../../common/models';

const api = () => request(app());
const nis = () => String(Math.floor(1e9 + Math.random() * 9e9));

async function emailJobsFor(userId: string, template: string) {
  const jobs = await apiDeps().queues.email.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  return jobs.filter((j) => j.data.userId === userId && j.data.template === template);
}

describe('admin people: teacher scoping', () => {
  it('lists only the students of the classrooms the teacher teaches', async () => {
    const s = await createSchool();
    const res = await api().get('/api/v2/admin/students?pageSize=100').set(bearer(s.teacher)).expect(200);
    const ids = (res.body.data as { id: string }[]).map((u) => u.id);
    expect(ids).to.have.members([s.student.id, s.classmate.id]);
    expect(res.body.meta.total).to.equal(2);
  });

  it('answers 404 for a classroom filter the teacher does not teach', async () => {
    const s = await createSchool();
    await api().get(`/api/v2/admin/students?classroomId=${s.other.id}`).set(bearer(s.teacher)).expect(404);
  });

  for (const [method, suffix, body] of [
    ['get', '', undefined],
    ['patch', '', { name: 'Renamed' }],
    ['delete', '', undefined],
    ['post', '/restore', undefined],
    ['post', '/suspend', undefined],
    ['post', '/unsuspend', undefined],
    ['post', '/reset-password', { password: 'a-new-password' }],
  ] as const) {
    it(`answers 404 to ${method.toUpperCase()} /admin/students/:id${suffix} for another classroom's student`, async () => {
      const s = await createSchool();
      const req = api()[method](`/api/v2/admin/students/${s.outsider.id}${suffix}`).set(bearer(s.teacher));
      await (body ? req.send(body) : req).expect(404);
      const after = await User.findByPk(s.outsider.id);
      expect(after!.name).to.equal(s.outsider.name);
      expect(after!.status).to.equal('active');
    });
  }

  it('refuses a student (403) on every admin people route', async () => {
    const s = await createSchool();
    await api().get('/api/v2/admin/students').set(bearer(s.student)).expect(403);
    await api().get(`/api/v2/admin/students/${s.classmate.id}`).set(bearer(s.student)).expect(403);
  });

  it('keeps teachers and classrooms management to admins', async () => {
    const s = await createSchool();
    await api().get('/api/v2/admin/teachers').set(bearer(s.teacher)).expect(403);
    await api().post('/api/v2/admin/classrooms').set(bearer(s.teacher)).send({ name: 'X', academicYear: '2025/2026' }).expect(403);
  });

  it('lets a teacher create a student only in a classroom they teach', async () => {
    const s = await createSchool();
    await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.teacher))
      .send({ name: 'Budi', nis: nis(), password: 'first-password', classroomId: s.other.id })
      .expect(404);
    const res = await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.teacher))
      .send({ name: 'Budi', nis: nis(), password: 'first-password', classroomId: s.classroom.id })
      .expect(201);
    expect(res.body.data.classroomId).to.equal(s.classroom.id);
  });
});

describe('admin people: listing', () => {
  it('finds a student by NIS, email or name with q', async () => {
    const s = await createSchool();
    const number = nis();
    await User.update({ studentNumber: number }, { where: { id: s.student.id } });
    for (const q of [number.slice(2, 8), s.classmate.email.slice(0, 12)]) {
      const res = await api()
        .get(`/api/v2/admin/students?classroomId=${s.classroom.id}&q=${encodeURIComponent(q)}`)
        .set(bearer(s.admin))
        .expect(200);
      expect(res.body.data).to.have.length(1);
    }
  });

  it('matches a % in q literally', async () => {
    const s = await createSchool();
    const res = await api().get(`/api/v2/admin/students?classroomId=${s.classroom.id}&q=%25`).set(bearer(s.admin)).expect(200);
    expect(res.body.data).to.have.length(0);
  });

  it('filters suspended, deleted and unverified students', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    const active = await createUser({ classroomId: classroom.id });
    const suspended = await createUser({ classroomId: classroom.id, status: 'suspended' });
    const unverified = await createUser({ classroomId: classroom.id, verified: false });
    const deleted = await createUser({ classroomId: classroom.id });
    await deleted.destroy();
    const ids = async (query: string) => {
      const res = await api().get(`/api/v2/admin/students?classroomId=${classroom.id}&${query}`).set(bearer(admin)).expect(200);
      return (res.body.data as { id: string }[]).map((u) => u.id);
    };
    expect(await ids('status=suspended')).to.deep.equal([suspended.id]);
    expect(await ids('status=deleted')).to.deep.equal([deleted.id]);
    expect(await ids('verified=false')).to.deep.equal([unverified.id]);
    expect(await ids('status=active')).to.have.members([active.id, unverified.id]);
  });

  it('sorts by name descending', async () => {
    const classroom = await createClassroom();
    const admin = await createUser({ role: 'admin' });
    await createUser({ classroomId: classroom.id, name: 'Adi' });
    await createUser({ classroomId: classroom.id, name: 'Citra' });
    const res = await api().get(`/api/v2/admin/students?classroomId=${classroom.id}&sort=-name`).set(bearer(admin)).expect(200);
    expect((res.body.data as { name: string }[]).map((u) => u.name)).to.deep.equal(['Citra', 'Adi']);
  });
});

describe('admin people: accounts made by staff', () => {
  it('makes a NIS-only student verified, with a password that must be changed', async () => {
    const s = await createSchool();
    const res = await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.admin))
      .send({ name: 'Siti', nis: nis(), password: 'first-password', classroomId: s.classroom.id })
      .expect(201);
    expect(res.body.data).to.include({ email: null, emailVerified: true, mustChangePassword: true });
  });

  it('invites a student with an email instead of taking a password', async () => {
    const s = await createSchool();
    await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.admin))
      .send({ name: 'Rina', email: 'rina.invite@sekolah.test', password: 'first-password' })
      .expect(400);
    const res = await api().post('/api/v2/admin/students').set(bearer(s.admin)).send({ name: 'Rina', email: 'rina.invite@sekolah.test' }).expect(201);
    expect(res.body.data.mustChangePassword).to.equal(false);
    expect(await emailJobsFor(res.body.data.id, 'invitation')).to.have.length(1);
  });

  it('refuses a student with neither email nor NIS', async () => {
    const s = await createSchool();
    await api().post('/api/v2/admin/students').set(bearer(s.admin)).send({ name: 'Nobody', password: 'first-password' }).expect(400);
  });

  it('refuses a NIS that another account has (409)', async () => {
    const s = await createSchool();
    const number = nis();
    await api().post('/api/v2/admin/students').set(bearer(s.admin)).send({ name: 'A', nis: number, password: 'first-password' }).expect(201);
    const res = await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.admin))
      .send({ name: 'B', nis: number, password: 'first-password' })
      .expect(409);
    expect(res.body.error.code).to.equal('NIS_TAKEN');
  });

  it('records the creation in the audit log with who did it', async () => {
    const s = await createSchool();
    const res = await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.admin))
      .send({ name: 'Audit', nis: nis(), password: 'first-password' })
      .expect(201);
    const entries = await AuditEntry.findAll({ where: { type: 'account_created', userId: s.admin.id } });
    expect(entries.map((e) => e.details.targetId)).to.include(res.body.data.id);
  });
});

describe('admin people: NIS login and the forced password change', () => {
  async function nisStudent() {
    const s = await createSchool();
    const number = nis();
    await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.admin))
      .send({ name: 'Wati', nis: number, password: 'first-password', classroomId: s.classroom.id })
      .expect(201);
    return { ...s, number };
  }

  it('signs a student in with their NIS and says the password must change', async () => {
    const { number } = await nisStudent();
    const res = await api().post('/api/v2/auth/login').send({ nis: number, password: 'first-password' }).expect(200);
    expect(res.body.password_change_required).to.equal(true);
    expect(res.body.user.mustChangePassword).to.equal(true);
  });

  it('refuses a wrong password for a NIS like a wrong one for an email', async () => {
    const { number } = await nisStudent();
    const res = await api().post('/api/v2/auth/login').send({ nis: number, password: 'not-the-password' }).expect(401);
    expect(res.body.error.code).to.equal('INVALID_CREDENTIALS');
  });

  it('refuses a login naming both an email and a NIS', async () => {
    const { number } = await nisStudent();
    await api().post('/api/v2/auth/login').send({ nis: number, email: 'x@sekolah.test', password: 'first-password' }).expect(400);
  });

  it('refuses every other route until the password is changed', async () => {
    const { number } = await nisStudent();
    const tokens = (await api().post('/api/v2/auth/login').send({ nis: number, password: 'first-password' })).body;
    const refused = await api().get('/api/v2/student/dashboard').set(auth(tokens.access_token)).expect(403);
    expect(refused.body.error.code).to.equal('PASSWORD_CHANGE_REQUIRED');
    await api().get('/api/v2/auth/session').set(auth(tokens.access_token)).expect(200);
  });

  it('lifts the restriction once changed, with a fresh access token and the old one denied', async () => {
    const { number } = await nisStudent();
    const tokens = (await api().post('/api/v2/auth/login').send({ nis: number, password: 'first-password' })).body;
    const changed = await api()
      .post('/api/v2/auth/password/change')
      .set(auth(tokens.access_token))
      .send({ currentPassword: 'first-password', newPassword: 'my-own-password' })
      .expect(200);
    await api().get('/api/v2/student/dashboard').set(auth(changed.body.data.access_token)).expect(200);
    expect(await sessionStatus(tokens.access_token)).to.equal(401);
    const again = await api().post('/api/v2/auth/login').send({ nis: number, password: 'my-own-password' }).expect(200);
    expect(again.body.password_change_required).to.equal(false);
  });

  it('refuses a new password equal to the NIS', async () => {
    const { number } = await nisStudent();
    const tokens = (await api().post('/api/v2/auth/login').send({ nis: number, password: 'first-password' })).body;
    await api()
      .post('/api/v2/auth/password/change')
      .set(auth(tokens.access_token))
      .send({ currentPassword: 'first-password', newPassword: `${number}` })
      .expect(400);
  });
});

describe('admin people: changes take effect at once', () => {
  it('ends the sessions of a suspended student before the next refresh', async () => {
    const s = await createSchool();
    const tokens = await login(s.student);
    await api().post(`/api/v2/admin/students/${s.student.id}/suspend`).set(bearer(s.teacher)).expect(200);
    expect(await sessionStatus(tokens)).to.equal(401);
    await api().post('/api/v2/auth/login').send({ email: s.student.email, password: TEST_PASSWORD }).expect(403);
  });

  it('refuses at once every access token of a suspended student, even one whose refresh session is gone', async () => {
    const s = await createSchool();
    // signed without a refresh-token row, like a token whose family was already purged
    const token = tokenFor(s.student);
    expect(await sessionStatus(token)).to.equal(200);
    await api().post(`/api/v2/admin/students/${s.student.id}/suspend`).set(bearer(s.admin)).expect(200);
    expect(await sessionStatus(token)).to.equal(401);
  });

  it('refuses at once every access token of a deleted student, even one whose refresh session is gone', async () => {
    const s = await createSchool();
    const token = tokenFor(s.student);
    await api().delete(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).expect(204);
    expect(await sessionStatus(token)).to.equal(401);
  });

  it('lets a suspended student sign in again after unsuspend', async () => {
    const s = await createSchool();
    await api().post(`/api/v2/admin/students/${s.student.id}/suspend`).set(bearer(s.admin)).expect(200);
    await api().post(`/api/v2/admin/students/${s.student.id}/unsuspend`).set(bearer(s.admin)).expect(200);
    await login(s.student);
  });

  it('ends the sessions of a student whose role an admin changes', async () => {
    const s = await createSchool();
    const tokens = await login(s.student);
    const res = await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ role: 'teacher' }).expect(200);
    expect(res.body.data).to.include({ role: 'teacher', classroomId: null });
    expect(await sessionStatus(tokens)).to.equal(401);
  });

  it('ends the sessions of a student moved to another classroom', async () => {
    const s = await createSchool();
    const tokens = await login(s.student);
    await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ classroomId: s.other.id }).expect(200);
    expect(await sessionStatus(tokens)).to.equal(401);
  });

  it('keeps the sessions of a student whose name changes', async () => {
    const s = await createSchool();
    const tokens = await login(s.student);
    await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.teacher)).send({ name: 'New Name' }).expect(200);
    expect(await sessionStatus(tokens)).to.equal(200);
  });

  it('ends the sessions of a deleted student, who can be restored', async () => {
    const s = await createSchool();
    const tokens = await login(s.student);
    await api().delete(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.teacher)).expect(204);
    expect(await sessionStatus(tokens)).to.equal(401);
    await api().post('/api/v2/auth/login').send({ email: s.student.email, password: TEST_PASSWORD }).expect(401);
    const restored = await api().post(`/api/v2/admin/students/${s.student.id}/restore`).set(bearer(s.teacher)).expect(200);
    expect(restored.body.data.deletedAt).to.equal(null);
    await login(s.student);
  });

  it('refuses to restore a student whose email was taken meanwhile', async () => {
    const s = await createSchool();
    await api().delete(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).expect(204);
    await createUser({ email: s.student.email });
    await api().post(`/api/v2/admin/students/${s.student.id}/restore`).set(bearer(s.admin)).expect(409);
  });
});

describe('admin people: mass assignment', () => {
  it('refuses a teacher raising a student to teacher (403) and leaves the role', async () => {
    const s = await createSchool();
    const res = await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.teacher)).send({ role: 'teacher' }).expect(403);
    expect(res.body.error.code).to.equal('FIELD_NOT_ALLOWED');
    expect((await User.findByPk(s.student.id))!.role).to.equal('student');
  });

  for (const field of ['passwordHash', 'status', 'mustChangePassword', 'emailVerifiedAt', 'id', 'deletedAt']) {
    it(`refuses ${field} in a PATCH (400)`, async () => {
      const s = await createSchool();
      await api()
        .patch(`/api/v2/admin/students/${s.student.id}`)
        .set(bearer(s.admin))
        .send({ [field]: 'x' })
        .expect(400);
    });
  }

  it('refuses a teacher moving a student to a classroom they do not teach (404)', async () => {
    const s = await createSchool();
    await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.teacher)).send({ classroomId: s.other.id }).expect(404);
  });
});

describe('admin people: password resets by staff', () => {
  it('emails a reset link to a student with an email (202)', async () => {
    const s = await createSchool();
    await api().post(`/api/v2/admin/students/${s.student.id}/reset-password`).set(bearer(s.teacher)).expect(202);
    expect(await emailJobsFor(s.student.id, 'password-reset')).to.have.length(1);
  });

  it('asks for a password for a NIS-only student (422)', async () => {
    const s = await createSchool();
    const made = await api()
      .post('/api/v2/admin/students')
      .set(bearer(s.admin))
      .send({ name: 'N', nis: nis(), password: 'first-password' })
      .expect(201);
    const res = await api().post(`/api/v2/admin/students/${made.body.data.id}/reset-password`).set(bearer(s.admin)).expect(422);
    expect(res.body.error.code).to.equal('NO_EMAIL');
  });

  it('sets a password that must be changed, and ends the sessions', async () => {
    const s = await createSchool();
    const tokens = await login(s.student);
    await api().post(`/api/v2/admin/students/${s.student.id}/reset-password`).set(bearer(s.admin)).send({ password: 'temporary-one' }).expect(200);
    expect(await sessionStatus(tokens)).to.equal(401);
    const res = await api().post('/api/v2/auth/login').send({ email: s.student.email, password: 'temporary-one' }).expect(200);
    expect(res.body.password_change_required).to.equal(true);
  });
});

describe('admin people: teachers and classrooms', () => {
  it('creates a teacher by invitation and assigns classrooms', async () => {
    const s = await createSchool();
    const made = await api()
      .post('/api/v2/admin/teachers')
      .set(bearer(s.admin))
      .send({ name: 'Bu Ani', email: 'ani.teacher@sekolah.test' })
      .expect(201);
    expect(made.body.data.role).to.equal('teacher');
    const set = await api()
      .put(`/api/v2/admin/teachers/${made.body.data.id}/classrooms`)
      .set(bearer(s.admin))
      .send({ classroomIds: [s.classroom.id, s.other.id] })
      .expect(200);
    expect(set.body.data.classroomIds).to.have.members([s.classroom.id, s.other.id]);
    const shown = await api().get(`/api/v2/admin/teachers/${made.body.data.id}`).set(bearer(s.admin)).expect(200);
    expect(shown.body.data.classroomIds).to.have.members([s.classroom.id, s.other.id]);
  });

  it('does not show a student at /admin/teachers/:id', async () => {
    const s = await createSchool();
    await api().get(`/api/v2/admin/teachers/${s.student.id}`).set(bearer(s.admin)).expect(404);
  });

  it('creates, renames and archives a classroom, which then takes no new students', async () => {
    const s = await createSchool();
    const made = await api()
      .post('/api/v2/admin/classrooms')
      .set(bearer(s.admin))
      .send({ name: `X TKJ ${Date.now()}`, academicYear: '2026/2027' })
      .expect(201);
    const id = made.body.data.id as string;
    const renamed = await api()
      .patch(`/api/v2/admin/classrooms/${id}`)
      .set(bearer(s.admin))
      .send({ name: `X TKJ 2 ${Date.now()}`, archived: true })
      .expect(200);
    expect(renamed.body.data.archivedAt).to.be.a('string');
    const res = await api().patch(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.admin)).send({ classroomId: id }).expect(422);
    expect(res.body.error.code).to.equal('CLASSROOM_ARCHIVED');
  });

  it('refuses a second classroom with the same name and year (409)', async () => {
    const s = await createSchool();
    await api()
      .post('/api/v2/admin/classrooms')
      .set(bearer(s.admin))
      .send({ name: s.classroom.name, academicYear: s.classroom.academicYear })
      .expect(409);
  });

  it('moves students into a classroom and ends their sessions', async () => {
    const s = await createSchool();
    const tokens = await login(s.outsider);
    const res = await api()
      .post(`/api/v2/admin/classrooms/${s.classroom.id}/students`)
      .set(bearer(s.admin))
      .send({ studentIds: [s.outsider.id, s.student.id] })
      .expect(200);
    expect(res.body.data.moved).to.equal(1);
    expect((await User.findByPk(s.outsider.id))!.classroomId).to.equal(s.classroom.id);
    expect(await sessionStatus(tokens)).to.equal(401);
  });

  it('sets the teachers of a classroom', async () => {
    const s = await createSchool();
    const res = await api()
      .put(`/api/v2/admin/classrooms/${s.classroom.id}/teachers`)
      .set(bearer(s.admin))
      .send({ teacherIds: [s.otherTeacher.id] })
      .expect(200);
    expect(res.body.data.teacherIds).to.deep.equal([s.otherTeacher.id]);
    await api().get(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.teacher)).expect(404);
    await api().get(`/api/v2/admin/students/${s.student.id}`).set(bearer(s.otherTeacher)).expect(200);
  });
});
