import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';

/** What the early token check (before the rate limiter) does with headers that carry no valid token. */
describe('access token check, before and after the rate limiter', () => {
  it('answers 401 to an Authorization header of another scheme', async () => {
    const res = await request(app()).get('/api/v2/auth/session').set('Authorization', 'Basic dXNlcjpwdw==');
    expect(res.status).to.equal(401);
  });

  it('answers 401 to a bearer token that is not a signed token', async () => {
    const res = await request(app()).get('/api/v2/auth/session').set('Authorization', 'Bearer not.a.token');
    expect(res.status).to.equal(401);
  });

  it('answers 401 to an Authorization header without a token', async () => {
    const res = await request(app()).get('/api/v2/auth/session').set('Authorization', 'Bearer');
    expect(res.status).to.equal(401);
  });

  it('serves a route that needs no sign-in whatever token comes with it', async () => {
    const res = await request(app()).get('/health').set('Authorization', 'Bearer not.a.token');
    expect(res.status).to.equal(200);
  });
});
