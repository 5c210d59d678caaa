import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { AuditEntry, SchoolEvent } from '../../common/models';

const api = () => request(app());
const HOUR = 3600_000;
const at = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

describe('admin school events', () => {
  // the homepage question is about every event, so each test starts from none
  beforeEach(async () => {
    apiDeps();
    await SchoolEvent.destroy({ where: {} });
  });

  it('lets an admin create an event with title, description, date, location, capacity and registered count', async () => {
    const admin = await createUser({ role: 'admin' });
    const res = await api()
      .post('/api/v2/admin/activities')
      .set(bearer(admin))
      .send({ title: 'Lomba coding', description: 'Antar kelas', startsAt: at(24), location: 'Lab 1', capacity: 40, registeredCount: 12 })
      .expect(201);
    expect(res.body.data).to.include({ title: 'Lomba coding', location: 'Lab 1', capacity: 40, registeredCount: 12, placesLeft: 28, active: true });
  });

  it('refuses teachers and students (403)', async () => {
    const s = await createSchool();
    await api().get('/api/v2/admin/activities').set(bearer(s.teacher)).expect(403);
    await api()
      .post('/api/v2/admin/activities')
      .set(bearer(s.student))
      .send({ title: 'x', startsAt: at(1) })
      .expect(403);
  });

  it('refuses more registrations than places (422)', async () => {
    const admin = await createUser({ role: 'admin' });
    const res = await api()
      .post('/api/v2/admin/activities')
      .set(bearer(admin))
      .send({ title: 'Full', startsAt: at(1), capacity: 10, registeredCount: 11 })
      .expect(422);
    expect(res.body.error.code).to.equal('OVER_CAPACITY');
  });

  it('refuses an end before the start, on create (400) and on update (422)', async () => {
    const admin = await createUser({ role: 'admin' });
    await api()
      .post('/api/v2/admin/activities')
      .set(bearer(admin))
      .send({ title: 'Back', startsAt: at(5), endsAt: at(4) })
      .expect(400);
    const made = await api()
      .post('/api/v2/admin/activities')
      .set(bearer(admin))
      .send({ title: 'Ok', startsAt: at(5) })
      .expect(201);
    const res = await api()
      .patch(`/api/v2/admin/activities/${made.body.data.id}`)
      .set(bearer(admin))
      .send({ endsAt: at(4) })
      .expect(422);
    expect(res.body.error.code).to.equal('ENDS_BEFORE_START');
  });

  it('updates and deletes an event', async () => {
    const admin = await createUser({ role: 'admin' });
    const made = await api()
      .post('/api/v2/admin/activities')
      .set(bearer(admin))
      .send({ title: 'Draft', startsAt: at(5) })
      .expect(201);
    const id = made.body.data.id as string;
    const patched = await api().patch(`/api/v2/admin/activities/${id}`).set(bearer(admin)).send({ title: 'Final', active: false }).expect(200);
    expect(patched.body.data).to.include({ title: 'Final', active: false });
    await api().delete(`/api/v2/admin/activities/${id}`).set(bearer(admin)).expect(204);
    await api().delete(`/api/v2/admin/activities/${id}`).set(bearer(admin)).expect(404);
  });

  it('refuses an update that raises the registrations above the places (422 OVER_CAPACITY) and keeps the event', async () => {
    const admin = await createUser({ role: 'admin' });
    const made = await api()
      .post('/api/v2/admin/activities')
      .set(bearer(admin))
      .send({ title: 'Almost full', startsAt: at(3), capacity: 10, registeredCount: 9 })
      .expect(201);
    const res = await api().patch(`/api/v2/admin/activities/${made.body.data.id}`).set(bearer(admin)).send({ registeredCount: 12 }).expect(422);
    expect(res.body.error.code).to.equal('OVER_CAPACITY');
    expect((await SchoolEvent.findByPk(made.body.data.id))!.registeredCount).to.equal(9);
  });

  it('lists the events starting from `from` and before `to`', async () => {
    const admin = await createUser({ role: 'admin' });
    const base = { endsAt: null, location: null, capacity: null, createdBy: null, active: true };
    await SchoolEvent.bulkCreate([
      { ...base, title: 'Yesterday', startsAt: new Date(at(-24)) },
      { ...base, title: 'Soon', startsAt: new Date(at(2)) },
      { ...base, title: 'Next week', startsAt: new Date(at(24 * 7)) },
    ]);
    const titles = async (query: string) =>
      ((await api().get(`/api/v2/admin/activities?${query}`).set(bearer(admin)).expect(200)).body.data as { title: string }[]).map((e) => e.title);
    expect(await titles(`from=${at(0)}`)).to.deep.equal(['Next week', 'Soon']);
    expect(await titles(`to=${at(0)}`)).to.deep.equal(['Yesterday']);
    expect(await titles(`from=${at(0)}&to=${at(24)}`)).to.deep.equal(['Soon']);
  });

  it('lists events with an active filter and paging', async () => {
    const admin = await createUser({ role: 'admin' });
    await SchoolEvent.bulkCreate([
      { title: 'A', startsAt: new Date(at(1)), endsAt: null, location: null, capacity: null, createdBy: null, active: true },
      { title: 'B', startsAt: new Date(at(2)), endsAt: null, location: null, capacity: null, createdBy: null, active: false },
    ]);
    const res = await api().get('/api/v2/admin/activities?active=false').set(bearer(admin)).expect(200);
    expect(res.body.data.map((e: { title: string }) => e.title)).to.deep.equal(['B']);
    expect(res.body.meta.total).to.equal(1);
  });

  it('shows on GET /activities/active, without a token, the active events happening now or next, soonest first', async () => {
    const base = { location: null, capacity: null, createdBy: null };
    await SchoolEvent.bulkCreate([
      { ...base, title: 'over', startsAt: new Date(at(-5)), endsAt: new Date(at(-4)), active: true },
      { ...base, title: 'later', startsAt: new Date(at(48)), endsAt: null, active: true },
      { ...base, title: 'happening', startsAt: new Date(at(-1)), endsAt: new Date(at(1)), active: true },
      { ...base, title: 'soon', startsAt: new Date(at(3)), endsAt: new Date(at(4)), active: true },
      { ...base, title: 'hidden', startsAt: new Date(at(2)), endsAt: null, active: false },
      { ...base, title: 'yesterday, no end', startsAt: new Date(at(-30)), endsAt: null, active: true },
    ]);
    const res = await api().get('/api/v2/activities/active').expect(200);
    expect(res.body.data.map((e: { title: string }) => e.title)).to.deep.equal(['happening', 'soon', 'later']);
  });
});

describe('admin audit log', () => {
  it('is the renamed security table: a login lands in it', async () => {
    const user = await createUser();
    await api().post('/api/v2/auth/login').send({ email: user.email, password: 'wrong-password' }).expect(401);
    const rows = await AuditEntry.sequelize!.query(`SELECT type FROM audit_log WHERE user_id = $1`, { bind: [user.id] });
    expect((rows[0] as { type: string }[]).map((r) => r.type)).to.deep.equal(['login_failed']);
  });

  it('lists entries for admins filtered by user, newest first, with the user named', async () => {
    const s = await createSchool();
    await api().post(`/api/v2/admin/students/${s.student.id}/suspend`).set(bearer(s.admin)).expect(200);
    await api().post(`/api/v2/admin/students/${s.student.id}/unsuspend`).set(bearer(s.admin)).expect(200);
    const res = await api().get(`/api/v2/admin/audit-log?userId=${s.admin.id}`).set(bearer(s.admin)).expect(200);
    expect(res.body.data.map((e: { type: string }) => e.type)).to.deep.equal(['account_unsuspended', 'account_suspended']);
    expect(res.body.data[0].user).to.include({ id: s.admin.id, name: s.admin.name });
    expect(res.body.data[0].details.targetId).to.equal(s.student.id);
  });

  it('filters by type (one or several) and by date range', async () => {
    const s = await createSchool();
    await api().post(`/api/v2/admin/students/${s.student.id}/suspend`).set(bearer(s.admin)).expect(200);
    const one = await api().get(`/api/v2/admin/audit-log?userId=${s.admin.id}&type=account_suspended`).set(bearer(s.admin)).expect(200);
    expect(one.body.meta.total).to.equal(1);
    const several = await api()
      .get(`/api/v2/admin/audit-log?userId=${s.admin.id}&type=account_suspended&type=login`)
      .set(bearer(s.admin))
      .expect(200);
    expect(several.body.meta.total).to.equal(1);
    const future = await api()
      .get(`/api/v2/admin/audit-log?userId=${s.admin.id}&from=${at(1)}`)
      .set(bearer(s.admin))
      .expect(200);
    expect(future.body.meta.total).to.equal(0);
    const past = await api()
      .get(`/api/v2/admin/audit-log?userId=${s.admin.id}&to=${at(-1)}`)
      .set(bearer(s.admin))
      .expect(200);
    expect(past.body.meta.total).to.equal(0);
  });

  it('names no user for an entry nobody signed in made', async () => {
    const admin = await createUser({ role: 'admin' });
    const marker = `nobody-${Date.now()}`;
    await AuditEntry.record({ type: 'login_failed', userId: null, details: { marker } });
    const res = await api().get('/api/v2/admin/audit-log?type=login_failed&pageSize=100').set(bearer(admin)).expect(200);
    const entry = (res.body.data as { user: unknown; details: { marker?: string } }[]).find((e) => e.details.marker === marker);
    expect(entry!.user).to.equal(null);
  });

  it('refuses an unknown type (400) and teachers (403)', async () => {
    const s = await createSchool();
    await api().get('/api/v2/admin/audit-log?type=nonsense').set(bearer(s.admin)).expect(400);
    await api().get('/api/v2/admin/audit-log').set(bearer(s.teacher)).expect(403);
  });
});
