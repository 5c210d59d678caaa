import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps } from '../support/deps';
import { bearer, createUser, tokenFor } from '../support/factories';
import { auth, login } from '../support/auth';
import { QueueSessions, QUEUE_COOKIE } from '../../api/admin/queues/session';

const api = () => request(app());
const BOARD = '/api/v2/admin/queues';

async function adminCookie(): Promise<string> {
  const admin = await createUser({ role: 'admin' });
  const res = await api()
    .post(`${BOARD}/session`)
    .set(auth(await login(admin)))
    .expect(201);
  return (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
}

describe('admin queue dashboard (bull-board)', () => {
  it('issues a short-lived HttpOnly, SameSite=Strict cookie to an admin', async () => {
    const admin = await createUser({ role: 'admin' });
    const res = await api().post(`${BOARD}/session`).set(bearer(admin)).expect(201);
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).to.match(new RegExp(`^${QUEUE_COOKIE}=`));
    expect(cookie)
      .to.match(/; HttpOnly/)
      .and.match(/; SameSite=Strict/)
      .and.match(/; Path=\/api\/v2\/admin\/queues/)
      .and.match(/Max-Age=600/);
    expect(res.body.data.url).to.equal(`${BOARD}/`);
  });

  it('refuses the cookie to a teacher (403)', async () => {
    await api()
      .post(`${BOARD}/session`)
      .set(bearer(await createUser({ role: 'teacher' })))
      .expect(403);
  });

  it('shows every queue to an admin with the cookie', async () => {
    const cookie = await adminCookie();
    const page = await api().get(`${BOARD}/`).set('Cookie', cookie).expect(200).expect('content-type', /html/);
    // the page's own scripts come through the same guard, from this origin (the CSP allows 'self')
    const script = /src="(static\/js\/main[^"]+)"/.exec(page.text)![1]!;
    await api()
      .get(`${BOARD}/${script}`)
      .set('Cookie', cookie)
      .expect(200)
      .expect('content-type', /javascript/);
    await api().get(`${BOARD}/${script}`).expect(401);
    const res = await api().get(`${BOARD}/api/queues`).set('Cookie', cookie).expect(200);
    expect((res.body.queues as { name: string }[]).map((q) => q.name)).to.have.members(Object.keys(apiDeps().queues));
  });

  it('answers 401 without a cookie, and with a Bearer token instead of one', async () => {
    await api().get(`${BOARD}/api/queues`).expect(401);
    await api()
      .get(`${BOARD}/api/queues`)
      .set(bearer(await createUser({ role: 'admin' })))
      .expect(401);
  });

  it('answers 401 to a forged cookie and to an access token put in the cookie', async () => {
    const admin = await createUser({ role: 'admin' });
    const forged = new QueueSessions({ auth: { ...apiDeps().config.auth, jwtSecret: crypto.randomBytes(32).toString('hex') } }).issue({
      id: admin.id,
      role: 'admin',
      sid: crypto.randomUUID(),
    }).token;
    await api().get(`${BOARD}/api/queues`).set('Cookie', `${QUEUE_COOKIE}=${forged}`).expect(401);
    await api()
      .get(`${BOARD}/api/queues`)
      .set('Cookie', `${QUEUE_COOKIE}=${tokenFor(admin)}`)
      .expect(401);
  });

  it('answers 401 to a cookie that is not even well-formed', async () => {
    await api().get(`${BOARD}/api/queues`).set('Cookie', `${QUEUE_COOKIE}=%E0%A4%A`).expect(401);
  });

  it('answers 401 to an expired cookie', async () => {
    const admin = await createUser({ role: 'admin' });
    const expired = new QueueSessions(apiDeps().config).issue({ id: admin.id, role: 'admin', sid: crypto.randomUUID() }, -10).token;
    await api().get(`${BOARD}/api/queues`).set('Cookie', `${QUEUE_COOKIE}=${expired}`).expect(401);
  });

  it('answers 403 to a valid cookie of someone who is not an admin', async () => {
    const teacher = await createUser({ role: 'teacher' });
    const cookie = new QueueSessions(apiDeps().config).issue({ id: teacher.id, role: 'teacher', sid: crypto.randomUUID() }).token;
    await api().get(`${BOARD}/api/queues`).set('Cookie', `${QUEUE_COOKIE}=${cookie}`).expect(403);
  });

  it('ends with the sign-in session it came from', async () => {
    const admin = await createUser({ role: 'admin' });
    const tokens = await login(admin);
    const res = await api().post(`${BOARD}/session`).set(auth(tokens)).expect(201);
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    await api().post('/api/v2/auth/logout').set(auth(tokens)).expect(204);
    await api().get(`${BOARD}/api/queues`).set('Cookie', cookie).expect(401);
  });

  describe('state-changing requests (CSRF)', () => {
    const retry = `${BOARD}/api/queues/student-import/retry/failed`;

    it('refuses one a browser marks cross-site, even with the cookie', async () => {
      const cookie = await adminCookie();
      const res = await api().put(retry).set('Cookie', cookie).set('Sec-Fetch-Site', 'cross-site').expect(403);
      expect(res.body.error.code).to.equal('CSRF_REJECTED');
    });

    it('refuses one from another Origin, and one that names no origin at all', async () => {
      const cookie = await adminCookie();
      await api().put(retry).set('Cookie', cookie).set('Origin', 'https://evil.example').expect(403);
      await api().put(retry).set('Cookie', cookie).expect(403);
    });

    it('lets one from the dashboard page itself through', async () => {
      const cookie = await adminCookie();
      await api().put(retry).set('Cookie', cookie).set('Sec-Fetch-Site', 'same-origin').expect(200);
    });
  });
});
