import { expect } from 'chai';
import request from 'supertest';
import bcrypt from 'bcrypt';
import { app, isolatedApp } from '../support/deps';
import { createUser } from '../support/factories';
import { Passwords } from '../../api/auth/passwords';
import { User } from '../../common/models';

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

describe('auth: bcrypt hashes from other implementations', () => {
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

  it('lets a migrated user with a PHP $2y$ hash log in through the API', async () => {
    const user = await createUser();
    await user.update({ passwordHash: FIXTURES[0]!.hash });
    await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: 'rasmuslerdorf' }).expect(200);
  });

  it('upgrades a hash made at a lower cost than configured at the next login', async () => {
    const user = await createUser();
    await user.update({ passwordHash: await bcrypt.hash('an-old-password', 4) });
    const stricter = isolatedApp({ BCRYPT_COST: '5' }).app;
    await request(stricter).post('/api/v2/auth/login').send({ email: user.email, password: 'an-old-password' }).expect(200);
    const upgraded = (await User.findByPk(user.id))!.passwordHash;
    expect(upgraded).to.match(/^\$2b\$05\$/);
    expect(await bcrypt.compare('an-old-password', upgraded)).to.equal(true);
  });

  it('hashes new passwords natively at the configured cost', async () => {
    const hash = await new Passwords(5).hash('a-new-password');
    expect(hash).to.match(/^\$2b\$05\$/);
  });
});
