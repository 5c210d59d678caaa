import request from 'supertest';
import type { User } from '../../common/models';
import { app } from './deps';
import { TEST_PASSWORD } from './factories';

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** Logs a factory user in through the API, as a client would. */
export async function login(user: User, password = TEST_PASSWORD, target = app()): Promise<Tokens> {
  const res = await request(target).post('/api/v2/auth/login').send({ email: user.email, password }).expect(200);
  return res.body as Tokens;
}

export const auth = (t: Tokens | string) => ({ Authorization: `Bearer ${typeof t === 'string' ? t : t.access_token}` });

export function sessionStatus(t: Tokens | string): Promise<number> {
  return request(app())
    .get('/api/v2/auth/session')
    .set(auth(t))
    .then((r) => r.status);
}

export function refresh(refreshToken: string) {
  return request(app()).post('/api/v2/auth/refresh').send({ refresh_token: refreshToken });
}
