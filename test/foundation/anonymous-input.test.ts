import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { MAX_FIELD_ERRORS } from '../../api/http/validate';

/** A body of `count` unknown keys, e.g. 75,000 keys in about 0.8 MB. */
function unknownKeys(count: number, base: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { ...base };
  for (let i = 0; i < count; i++) body[`k${i}`] = 1;
  return body;
}

describe('bounded work for anonymous callers', () => {
  it('answers a 0.8 MB body of 75,000 unknown keys to a public route with one problem', async () => {
    const body = JSON.stringify(unknownKeys(75_000, { name: 'A', email: 'a@example.com', subject: 'Hi', message: 'Hello' }));
    expect(body.length).to.be.within(700_000, 1_000_000);
    const res = await request(app()).post('/api/v2/contact').set('Content-Type', 'application/json').send(body).expect(400);
    expect(res.body.error.details).to.have.length(1);
    expect(res.body.error.details[0]).to.include({ field: 'k0', type: 'object.unknown' });
    expect(JSON.stringify(res.body).length).to.be.below(1000);
  });

  it('refuses a JSON body over 16 KB on /api/v2/auth/* with 413, before reading it as JSON', async () => {
    const body = JSON.stringify(unknownKeys(75_000, { email: 'a@example.com', password: 'x' }));
    const res = await request(app()).post('/api/v2/auth/login').set('Content-Type', 'application/json').send(body).expect(413);
    expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('still takes a normal sign-in body on /api/v2/auth/* (401 for a wrong password, not 413)', async () => {
    await request(app()).post('/api/v2/auth/login').send({ email: 'nobody@test.gema', password: 'not the password' }).expect(401);
  });

  describe('an authenticated caller', () => {
    let school: Awaited<ReturnType<typeof createSchool>>;
    before(async () => {
      school = await createSchool();
    });

    it('still gets every problem of a small body, so a form can mark each field', async () => {
      const res = await request(app())
        .patch('/api/v2/student/profile')
        .set(bearer(school.student))
        .send({ name: '', role: 'admin', email: 'x' })
        .expect(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).to.have.members(['name', 'role', 'email']);
    });

    it(`gets at most ${MAX_FIELD_ERRORS} problems listed, and the total in the message`, async () => {
      const res = await request(app())
        .patch('/api/v2/student/profile')
        .set(bearer(school.student))
        .send(unknownKeys(5_000, { name: 'Ada' }))
        .expect(400);
      expect(res.body.error.details).to.have.length(MAX_FIELD_ERRORS);
      expect(res.body.error.message).to.contain('5000 problems');
      expect(JSON.stringify(res.body).length).to.be.below(5000);
    });
  });
});
