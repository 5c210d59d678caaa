import crypto from 'node:crypto';
import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { createClassroom, createUser, TEST_PASSWORD } from '../support/factories';
import { tokenIn, withMailFlowing } from '../support/smtp';
import { User } from '../../common/models';

const uniqueEmail = (tag: string) => `${tag}.${crypto.randomBytes(4).toString('hex')}@sekolah.test`;
const PASSWORD = 'belajar-koding-1';

describe('auth: register, verify, login, session, refresh, logout', () => {
  const smtp = withMailFlowing();

  it('takes a new student from registration through an emailed link to a session, and logout kills the old access token', async () => {
    const email = uniqueEmail('ayu');
    const classroom = await createClassroom();
    const registered = await request(app())
      .post('/api/v2/auth/register')
      .send({ name: 'Ayu Lestari', email: `  ${email.toUpperCase()} `, password: PASSWORD, joinCode: classroom.joinCode })
      .expect(201);
    expect(registered.body.data.user).to.include({ email, role: 'student', emailVerified: false, classroomId: classroom.id });
    expect(registered.body.data.user).to.not.have.property('passwordHash');

    const blocked = await request(app()).post('/api/v2/auth/login').send({ email, password: PASSWORD }).expect(403);
    expect(blocked.body.error.code).to.equal('EMAIL_NOT_VERIFIED');

    const mail = await smtp.waitFor(email);
    expect(mail.text).to.include('/verify-email?token=');
    const verified = await request(app())
      .post('/api/v2/auth/verify-email')
      .send({ token: tokenIn(mail) })
      .expect(200);
    expect(verified.body.data.user.emailVerified).to.equal(true);

    const login = await request(app()).post('/api/v2/auth/login').send({ email, password: PASSWORD }).expect(200);
    expect(login.body).to.include({ token_type: 'Bearer', expires_in: 900 });
    expect(login.body.access_token).to.be.a('string');
    expect(login.body.refresh_token).to.be.a('string');
    expect(login.body.user.email).to.equal(email);
    expect(login.headers['cache-control']).to.equal('no-store');

    const session = await request(app()).get('/api/v2/auth/session').set('Authorization', `Bearer ${login.body.access_token}`).expect(200);
    expect(session.body.data.user).to.deep.equal({ id: login.body.user.id, email, name: 'Ayu Lestari', role: 'student' });
    expect(Date.parse(session.body.data.expiresAt)).to.be.greaterThan(Date.now());

    const refreshed = await request(app()).post('/api/v2/auth/refresh').send({ refresh_token: login.body.refresh_token }).expect(200);
    expect(refreshed.body.refresh_token).to.not.equal(login.body.refresh_token);
    expect(refreshed.body.access_token).to.not.equal(login.body.access_token);
    await request(app()).get('/api/v2/auth/session').set('Authorization', `Bearer ${refreshed.body.access_token}`).expect(200);

    await request(app()).post('/api/v2/auth/logout').set('Authorization', `Bearer ${refreshed.body.access_token}`).expect(204);
    const after = await request(app()).get('/api/v2/auth/session').set('Authorization', `Bearer ${refreshed.body.access_token}`).expect(401);
    expect(after.body.error.code).to.equal('UNAUTHENTICATED');
    // the access token minted before the refresh belongs to the same session, so it died too
    await request(app()).get('/api/v2/auth/session').set('Authorization', `Bearer ${login.body.access_token}`).expect(401);
    await request(app()).post('/api/v2/auth/refresh').send({ refresh_token: refreshed.body.refresh_token }).expect(401);
  });

  it('accepts a verification link only once', async () => {
    const email = uniqueEmail('budi');
    await request(app()).post('/api/v2/auth/register').send({ name: 'Budi', email, password: PASSWORD }).expect(201);
    const token = tokenIn(await smtp.waitFor(email));
    await request(app()).post('/api/v2/auth/verify-email').send({ token }).expect(200);
    const again = await request(app()).post('/api/v2/auth/verify-email').send({ token }).expect(400);
    expect(again.body.error.code).to.equal('INVALID_TOKEN');
  });

  it('refuses a made-up verification token', async () => {
    const res = await request(app())
      .post('/api/v2/auth/verify-email')
      .send({ token: crypto.randomBytes(32).toString('base64url') })
      .expect(400);
    expect(res.body.error.code).to.equal('INVALID_TOKEN');
  });

  it('sends a fresh verification email on resend, and answers 202 for an unknown address too', async () => {
    const email = uniqueEmail('citra');
    await createUser({ email, verified: false });
    await request(app()).post('/api/v2/auth/verify-email/resend').send({ email }).expect(202);
    const token = tokenIn(await smtp.waitFor(email));
    await request(app()).post('/api/v2/auth/verify-email').send({ token }).expect(200);
    await request(app())
      .post('/api/v2/auth/verify-email/resend')
      .send({ email: uniqueEmail('nobody') })
      .expect(202);
  });

  it('answers 409 for an email that already has an account, whatever its case', async () => {
    const existing = await createUser();
    const res = await request(app())
      .post('/api/v2/auth/register')
      .send({ name: 'Copy', email: existing.email.toUpperCase(), password: PASSWORD })
      .expect(409);
    expect(res.body.error.code).to.equal('EMAIL_TAKEN');
  });

  it('refuses passwords shorter than 8 characters or longer than 72 bytes, and one equal to the email', async () => {
    const email = uniqueEmail('dimas');
    const short = await request(app()).post('/api/v2/auth/register').send({ name: 'D', email, password: 'pendek' }).expect(400);
    expect(short.body.error.details[0].field).to.equal('password');
    // 37 two-byte characters: 37 characters but 74 bytes
    const long = await request(app())
      .post('/api/v2/auth/register')
      .send({ name: 'D', email, password: 'é'.repeat(37) })
      .expect(400);
    expect(long.body.error.details[0]).to.include({ field: 'password', type: 'password.bytes' });
    const same = await request(app()).post('/api/v2/auth/register').send({ name: 'D', email, password: email }).expect(400);
    expect(same.body.error.details[0]).to.include({ field: 'password', type: 'password.email' });
    await request(app())
      .post('/api/v2/auth/register')
      .send({ name: 'D', email, password: 'é'.repeat(36) })
      .expect(201);
  });

  it('never lets a registration choose its role', async () => {
    const res = await request(app())
      .post('/api/v2/auth/register')
      .send({ name: 'Sneaky', email: uniqueEmail('sneaky'), password: PASSWORD, role: 'admin' })
      .expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['role']);
  });

  it('refuses any classroomId: a classroom is joined with its code (README.md#classroom-join-codes)', async () => {
    const res = await request(app())
      .post('/api/v2/auth/register')
      .send({ name: 'Lost', email: uniqueEmail('lost'), password: PASSWORD, classroomId: crypto.randomUUID() })
      .expect(400);
    expect(res.body.error.details[0].field).to.equal('classroomId');
  });

  it('gives an unknown email and a wrong password the same 401', async () => {
    const user = await createUser();
    const wrong = await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: 'not the password' }).expect(401);
    const unknown = await request(app())
      .post('/api/v2/auth/login')
      .send({ email: uniqueEmail('ghost'), password: 'not the password' })
      .expect(401);
    expect(wrong.body).to.deep.equal(unknown.body);
    expect(wrong.body.error.code).to.equal('INVALID_CREDENTIALS');
  });

  it('refuses a suspended account with 403 ACCOUNT_SUSPENDED, but only to someone who knows the password', async () => {
    const user = await createUser({ status: 'suspended' });
    const res = await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(403);
    expect(res.body.error.code).to.equal('ACCOUNT_SUSPENDED');
    await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: 'guessing-wrong' }).expect(401);
  });

  it('tells EMAIL_NOT_VERIFIED only to someone who knows the password, and ACCOUNT_SUSPENDED wins over it', async () => {
    const unverified = await createUser({ verified: false });
    await request(app()).post('/api/v2/auth/login').send({ email: unverified.email, password: 'guessing-wrong' }).expect(401);
    const both = await createUser({ verified: false, status: 'suspended' });
    const res = await request(app()).post('/api/v2/auth/login').send({ email: both.email, password: TEST_PASSWORD }).expect(403);
    expect(res.body.error.code).to.equal('ACCOUNT_SUSPENDED');
  });

  it('records the time of the last login', async () => {
    const user = await createUser();
    await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
    const stored = await User.findByPk(user.id);
    expect(stored!.lastLoginAt).to.be.instanceOf(Date);
  });

  it('answers GET /auth/session without a token with 401', async () => {
    const res = await request(app()).get('/api/v2/auth/session').expect(401);
    expect(res.body.error.code).to.equal('UNAUTHENTICATED');
  });
});
