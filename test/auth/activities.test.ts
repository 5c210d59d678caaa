import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { createUser, TEST_PASSWORD } from '../support/factories';
import { tokenIn, withMailFlowing } from '../support/smtp';
import { AuditEntry, type AuditType } from '../../common/models';
import { auth, login, refresh } from '../support/auth';

async function activitiesOf(userId: string, type: AuditType) {
  return AuditEntry.findAll({ where: { userId, type }, order: [['createdAt', 'ASC']] });
}

describe('auth: the activity log', () => {
  it('records a login with the IP and the session it started', async () => {
    const user = await createUser();
    await login(user);
    const [entry] = await activitiesOf(user.id, 'login');
    expect(entry!.ip).to.be.a('string').and.not.empty;
    expect(entry!.details).to.have.property('sessionId');
  });

  it('records a failed login against the account, and one for an unknown email with no user', async () => {
    const user = await createUser();
    await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: 'wrong-password' }).expect(401);
    const [entry] = await activitiesOf(user.id, 'login_failed');
    expect(entry!.details).to.deep.equal({ email: user.email, reason: 'wrong_password' });

    const email = `ghost.${user.id.slice(0, 8)}@sekolah.test`;
    await request(app()).post('/api/v2/auth/login').send({ email, password: 'wrong-password' }).expect(401);
    const anonymous = await AuditEntry.findAll({ where: { type: 'login_failed', userId: null } });
    expect(anonymous.some((a) => a.details.email === email && a.details.reason === 'unknown_email')).to.equal(true);
  });

  it('records a logout', async () => {
    const user = await createUser();
    await request(app())
      .post('/api/v2/auth/logout?all=true')
      .set(auth(await login(user)))
      .expect(204);
    const [entry] = await activitiesOf(user.id, 'logout');
    expect(entry!.details).to.include({ all: true });
  });

  it('records a password change', async () => {
    const user = await createUser();
    await request(app())
      .post('/api/v2/auth/password/change')
      .set(auth(await login(user)))
      .send({ currentPassword: TEST_PASSWORD, newPassword: 'another-good-one' })
      .expect(200);
    expect(await activitiesOf(user.id, 'password_change')).to.have.length(1);
  });

  it('records a refresh token reuse', async () => {
    const user = await createUser();
    const tokens = await login(user);
    await refresh(tokens.refresh_token).expect(200);
    await refresh(tokens.refresh_token).expect(401);
    expect(await activitiesOf(user.id, 'refresh_reuse')).to.have.length(1);
  });

  describe('with mail flowing', () => {
    const smtp = withMailFlowing();

    it('records a password reset with the number of sessions it ended', async () => {
      const user = await createUser();
      await login(user);
      await request(app()).post('/api/v2/auth/password/forgot').send({ email: user.email }).expect(202);
      const token = tokenIn(await smtp.waitFor(user.email));
      await request(app()).post('/api/v2/auth/password/reset').send({ token, password: 'another-good-one' }).expect(200);
      const [entry] = await activitiesOf(user.id, 'password_reset');
      expect(entry!.details).to.deep.equal({ sessionsRevoked: 1 });
    });

    it('records a registration and the email verification', async () => {
      const email = `reg.${Date.now()}@sekolah.test`;
      const res = await request(app()).post('/api/v2/auth/register').send({ name: 'Reg', email, password: 'a-good-password' }).expect(201);
      await request(app())
        .post('/api/v2/auth/verify-email')
        .send({ token: tokenIn(await smtp.waitFor(email)) })
        .expect(200);
      expect(await activitiesOf(res.body.data.user.id, 'register')).to.have.length(1);
      expect(await activitiesOf(res.body.data.user.id, 'email_verified')).to.have.length(1);
    });
  });
});
