import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { createUser, TEST_PASSWORD } from '../support/factories';
import { tokenIn, withMailFlowing } from '../support/smtp';
import { OneTimeToken } from '../../common/models';
import { auth, login, refresh, sessionStatus } from '../support/auth';

const NEW_PASSWORD = 'kata-sandi-baru-2025';

describe('auth: forgotten, reset and changed passwords', () => {
  const smtp = withMailFlowing();

  it('resets a password through the emailed link, and every old session dies', async () => {
    const user = await createUser();
    const phone = await login(user);
    const laptop = await login(user);

    await request(app()).post('/api/v2/auth/password/forgot').send({ email: user.email.toUpperCase() }).expect(202);
    const mail = await smtp.waitFor(user.email);
    expect(mail.text).to.include('/reset-password?token=');
    await request(app())
      .post('/api/v2/auth/password/reset')
      .send({ token: tokenIn(mail), password: NEW_PASSWORD })
      .expect(200);

    expect(await sessionStatus(phone)).to.equal(401);
    expect(await sessionStatus(laptop)).to.equal(401);
    await refresh(phone.refresh_token).expect(401);
    await refresh(laptop.refresh_token).expect(401);
    await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(401);
    await login(user, NEW_PASSWORD);
  });

  it('accepts a reset link only once', async () => {
    const user = await createUser();
    await request(app()).post('/api/v2/auth/password/forgot').send({ email: user.email }).expect(202);
    const token = tokenIn(await smtp.waitFor(user.email));
    await request(app()).post('/api/v2/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(200);
    const again = await request(app()).post('/api/v2/auth/password/reset').send({ token, password: 'yet-another-one' }).expect(400);
    expect(again.body.error.code).to.equal('INVALID_TOKEN');
  });

  it('refuses an expired reset link', async () => {
    const user = await createUser();
    await request(app()).post('/api/v2/auth/password/forgot').send({ email: user.email }).expect(202);
    const token = tokenIn(await smtp.waitFor(user.email));
    await OneTimeToken.update({ expiresAt: new Date(Date.now() - 1000) }, { where: { userId: user.id } });
    await request(app()).post('/api/v2/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(400);
  });

  it('keeps the link usable when the new password is refused', async () => {
    const user = await createUser();
    await request(app()).post('/api/v2/auth/password/forgot').send({ email: user.email }).expect(202);
    const token = tokenIn(await smtp.waitFor(user.email));
    const refused = await request(app()).post('/api/v2/auth/password/reset').send({ token, password: user.email }).expect(400);
    expect(refused.body.error.details[0].type).to.equal('password.email');
    await request(app()).post('/api/v2/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(200);
  });

  it('mints reset tokens valid for one hour and stores only their hash', async () => {
    const user = await createUser();
    await request(app()).post('/api/v2/auth/password/forgot').send({ email: user.email }).expect(202);
    const token = tokenIn(await smtp.waitFor(user.email));
    const row = await OneTimeToken.findOne({ where: { userId: user.id, purpose: 'password_reset' } });
    expect(row!.tokenHash).to.not.equal(token);
    expect(row!.tokenHash).to.match(/^[0-9a-f]{64}$/);
    const ttl = row!.expiresAt.getTime() - row!.createdAt.getTime();
    expect(ttl).to.be.within(3590_000, 3610_000);
  });

  it('answers 202 for an unknown email and sends nothing', async () => {
    const ghost = `ghost.${crypto.randomBytes(4).toString('hex')}@sekolah.test`;
    const res = await request(app()).post('/api/v2/auth/password/forgot').send({ email: ghost }).expect(202);
    // the control: a known address in the same moment does get its message
    const user = await createUser();
    await request(app()).post('/api/v2/auth/password/forgot').send({ email: user.email }).expect(202);
    await smtp.waitFor(user.email);
    expect(smtp.received.some((m) => m.to.includes(ghost))).to.equal(false);
    expect(res.body.data.message).to.be.a('string');
  });

  it('changes the password with the current one, ending the other sessions but not this one', async () => {
    const user = await createUser();
    const here = await login(user);
    const elsewhere = await login(user);
    const res = await request(app())
      .post('/api/v2/auth/password/change')
      .set(auth(here))
      .send({ currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD })
      .expect(200);
    expect(res.body.data.sessionsRevoked).to.equal(1);
    expect(await sessionStatus(here)).to.equal(200);
    expect(await sessionStatus(elsewhere)).to.equal(401);
    await refresh(elsewhere.refresh_token).expect(401);
    await refresh(here.refresh_token).expect(200);
    await login(user, NEW_PASSWORD);
  });

  it('refuses a change when the current password is wrong', async () => {
    const user = await createUser();
    const tokens = await login(user);
    const res = await request(app())
      .post('/api/v2/auth/password/change')
      .set(auth(tokens))
      .send({ currentPassword: 'not-my-password', newPassword: NEW_PASSWORD })
      .expect(422);
    expect(res.body.error.code).to.equal('INVALID_CURRENT_PASSWORD');
    await login(user);
  });

  it('refuses a new password equal to the current one', async () => {
    const user = await createUser();
    const res = await request(app())
      .post('/api/v2/auth/password/change')
      .set(auth(await login(user)))
      .send({ currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD })
      .expect(400);
    expect(res.body.error.details[0].field).to.equal('newPassword');
  });

  it('refuses a new password equal to the email address, whatever its case', async () => {
    const user = await createUser();
    const res = await request(app())
      .post('/api/v2/auth/password/change')
      .set(auth(await login(user)))
      .send({ currentPassword: TEST_PASSWORD, newPassword: user.email.toUpperCase() })
      .expect(400);
    expect(res.body.error.details[0]).to.include({ field: 'newPassword', type: 'password.email' });
    await login(user);
  });

  it('needs an access token to change the password', async () => {
    await request(app()).post('/api/v2/auth/password/change').send({ currentPassword: 'a', newPassword: NEW_PASSWORD }).expect(401);
  });
});
