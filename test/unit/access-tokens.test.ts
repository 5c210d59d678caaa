import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { expect } from 'chai';
import { AccessTokens } from '../../api/auth/tokens';

const auth = { jwtSecret: crypto.randomBytes(32).toString('hex'), issuer: 'gema-api', audience: 'gema', accessTtlSeconds: 900 };
const tokens = () => new AccessTokens({ auth } as never);
const subject = { id: crypto.randomUUID(), role: 'student' as const, email: 's@gema.local', name: 'S' };

/** Runs `work` with Date.now moved `seconds` ahead (jsonwebtoken reads the clock through it). */
function later<T>(seconds: number, work: () => T): T {
  const now = Date.now;
  const at = now() + seconds * 1000;
  Date.now = () => at;
  try {
    return work();
  } finally {
    Date.now = now;
  }
}

describe('access token verification, kept per process for tokens already verified', () => {
  it('gives the same claims for the same token again', () => {
    const t = tokens();
    const { token } = t.sign(subject, crypto.randomUUID());
    expect(t.verify(token)).to.deep.equal(t.verify(token));
  });

  it('refuses a token once it expires, although it was verified before', () => {
    const t = tokens();
    const { token } = t.sign(subject, crypto.randomUUID());
    t.verify(token);
    expect(() => later(901, () => t.verify(token))).to.throw(jwt.TokenExpiredError);
  });

  it('refuses a token that differs from a verified one in its signature', () => {
    const t = tokens();
    const { token } = t.sign(subject, crypto.randomUUID());
    t.verify(token);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    expect(() => t.verify(`${token.slice(0, -2)}${last}${token.at(-1)}`)).to.throw(jwt.JsonWebTokenError);
  });

  it('refuses a token signed with another key, whatever this process verified before', () => {
    const t = tokens();
    t.verify(t.sign(subject, crypto.randomUUID()).token);
    const other = new AccessTokens({ auth: { ...auth, jwtSecret: crypto.randomBytes(32).toString('hex') } } as never);
    expect(() => t.verify(other.sign(subject, crypto.randomUUID()).token)).to.throw(jwt.JsonWebTokenError);
  });

  it('hands out claims nobody can change for the next request', () => {
    const t = tokens();
    const { token } = t.sign(subject, crypto.randomUUID());
    expect(Object.isFrozen(t.verify(token))).to.equal(true);
  });
});
