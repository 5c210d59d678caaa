import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import bcrypt from 'bcrypt';
import { app } from '../support/deps';
import { createUser } from '../support/factories';

type Compare = typeof bcrypt.compare;

/**
 * Counts the bcrypt comparisons the real login makes while `work` runs. The real native compare
 * still does the work; the wrapper only counts, so the timing argument ("same work") becomes a
 * count that does not depend on the clock.
 */
async function comparesDuring(work: () => Promise<unknown>): Promise<number> {
  const lib = bcrypt as unknown as { compare: Compare };
  const real = lib.compare;
  let count = 0;
  lib.compare = ((data: string | Buffer, encrypted: string) => {
    count++;
    return real(data, encrypted);
  }) as Compare;
  try {
    await work();
  } finally {
    lib.compare = real;
  }
  return count;
}

const login = (email: string) => request(app()).post('/api/v2/auth/login').send({ email, password: 'not-the-password' }).expect(401);

describe('auth: a failed login costs the same work whatever the account', () => {
  it('makes one bcrypt comparison for a wrong password', async () => {
    const user = await createUser();
    expect(await comparesDuring(() => login(user.email))).to.equal(1);
  });

  it('makes one bcrypt comparison for an email with no account', async () => {
    const ghost = `ghost.${crypto.randomBytes(4).toString('hex')}@sekolah.test`;
    expect(await comparesDuring(() => login(ghost))).to.equal(1);
  });

  it('makes one bcrypt comparison for an account whose stored hash is unusable', async () => {
    const user = await createUser();
    await user.update({ passwordHash: '!locked' });
    expect(await comparesDuring(() => login(user.email))).to.equal(1);
  });
});
