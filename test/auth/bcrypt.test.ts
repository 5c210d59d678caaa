import { expect } from 'chai';
import request from 'supertest';
import bcrypt from 'bcrypt';
import { app, isolatedApp } from '../support/deps';
import { createUser } from '../support/factories';
import { User } from '../../common/models';

/** The example of PHP's password_verify() manual page; the hash checks themselves are in test/unit/passwords.test.ts. */
const PHP_HASH = { password: 'rasmuslerdorf', hash: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a' };

describe('auth: bcrypt hashes from other implementations', () => {
  it('lets a migrated user with a PHP $2y$ hash log in through the API', async () => {
    const user = await createUser();
    await user.update({ passwordHash: PHP_HASH.hash });
    await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: PHP_HASH.password }).expect(200);
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
});
