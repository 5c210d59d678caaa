import { expect } from 'chai';
import { Passwords } from '../../api/auth/passwords';
import { hashOpaqueToken, looksLikeOpaqueToken, newOpaqueToken } from '../../common/auth/opaque-tokens';

/**
 * Hashes made by other bcrypt implementations, as users migrated from the old system carry them:
 * - `$2y$`: the example of PHP's password_verify() manual page (password "rasmuslerdorf");
 * - `$2a$`/`$2b$`: OpenBSD's published test vectors (salt "CCCC…", cost 5).
 */
const FIXTURES = [
  { label: '$2y$ (PHP)', password: 'rasmuslerdorf', hash: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a' },
  { label: '$2a$ (OpenBSD)', password: 'U*U', hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' },
  { label: '$2a$ (OpenBSD)', password: 'U*U*', hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK' },
  { label: '$2b$ (OpenBSD)', password: 'U*U', hash: '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' },
];

describe('passwords (bcrypt)', () => {
  const passwords = new Passwords(4);

  for (const f of FIXTURES) {
    it(`verifies a ${f.label} hash of "${f.password}" and refuses a wrong password`, async () => {
      expect(await passwords.verify(f.password, f.hash)).to.equal(true);
      expect(await passwords.verify(`${f.password}x`, f.hash)).to.equal(false);
    });
  }

  it('refuses anything that is not a bcrypt hash', async () => {
    expect(await passwords.verify('x', 'plain-text')).to.equal(false);
    expect(await passwords.verify('x', '$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).to.equal(false);
  });

  it('hashes new passwords natively at the configured cost', async () => {
    const hash = await new Passwords(5).hash('a-new-password');
    expect(hash).to.match(/^\$2b\$05\$/);
    expect(await new Passwords(5).verify('a-new-password', hash)).to.equal(true);
  });

  it('asks for a new hash when the stored one was made at a lower cost', () => {
    expect(new Passwords(10).needsRehash(FIXTURES[1]!.hash)).to.equal(true);
  });

  it('keeps a hash made at the configured cost or above', () => {
    expect(new Passwords(5).needsRehash(FIXTURES[1]!.hash)).to.equal(false);
    expect(new Passwords(4).needsRehash(FIXTURES[0]!.hash)).to.equal(false);
  });

  it('asks for a new hash when the stored one is no bcrypt hash at all', () => {
    expect(passwords.needsRehash('plain-text')).to.equal(true);
  });

  it('answers false for an unknown account after doing the work of a real check', async () => {
    expect(await passwords.verifyDummy('whatever')).to.equal(false);
    expect(await passwords.dummyHash()).to.match(/^\$2b\$04\$/);
  });
});

describe('opaque tokens (refresh and one-time)', () => {
  it('makes 256-bit URL-safe tokens, a different one each time', () => {
    const a = newOpaqueToken();
    const b = newOpaqueToken();
    expect(Buffer.from(a, 'base64url')).to.have.length(32);
    expect(a).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.to.equal(b);
  });

  it('recognises the shape of a token and nothing else', () => {
    expect(looksLikeOpaqueToken(newOpaqueToken())).to.equal(true);
    expect(looksLikeOpaqueToken(`${newOpaqueToken()}x`)).to.equal(false);
    expect(looksLikeOpaqueToken('a'.repeat(42) + '=')).to.equal(false);
    expect(looksLikeOpaqueToken("' OR 1=1 --")).to.equal(false);
  });

  it('stores a token as an HMAC under the secret: the same token and secret give the same hash', () => {
    const token = newOpaqueToken();
    expect(hashOpaqueToken('s'.repeat(32), token)).to.equal(hashOpaqueToken('s'.repeat(32), token));
    expect(hashOpaqueToken('s'.repeat(32), token)).to.match(/^[0-9a-f]{64}$/);
  });

  it('gives another hash under another secret, so a leaked table alone confirms no guess', () => {
    const token = newOpaqueToken();
    expect(hashOpaqueToken('s'.repeat(32), token)).not.to.equal(hashOpaqueToken('t'.repeat(32), token));
  });
});
