import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { UniqueConstraintError, DatabaseError } from 'sequelize';
import { app, apiDeps } from '../support/deps';
import { seedAccounts } from '../../scripts/seed/accounts';
import { createUser, TEST_PASSWORD } from '../support/factories';
import { User } from '../../common/models';

const nis = () => String(crypto.randomInt(1e9, 1e10));

describe('accounts: what the users table guarantees', () => {
  it('keeps student numbers (NIS) unique when set', async () => {
    const number = nis();
    const first = await createUser();
    await first.update({ studentNumber: number });
    const second = await createUser();
    let error: unknown;
    await second.update({ studentNumber: number }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(UniqueConstraintError);
  });

  it('lets any number of accounts have no student number', async () => {
    const [a, b] = [await createUser(), await createUser()];
    expect([a.studentNumber, b.studentNumber]).to.deep.equal([null, null]);
  });

  it('stores emails trimmed and lower-case, whoever writes them', async () => {
    const tag = crypto.randomBytes(3).toString('hex');
    const user = await createUser({ email: `  Mixed.${tag}@Sekolah.TEST ` });
    expect(user.email).to.equal(`mixed.${tag}@sekolah.test`);
    // a write that bypasses the model is refused by the table's CHECK constraint
    let error: unknown;
    await User.sequelize!.query('UPDATE users SET email = $email WHERE id = $id', {
      bind: { email: `Mixed.${tag}@Sekolah.TEST`, id: user.id },
    }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(DatabaseError);
  });

  it('creates the seed’s accounts already verified, so they can log in at once', async () => {
    const sequelize = apiDeps().sequelize;
    const transaction = await sequelize.transaction();
    try {
      const { admin, teachers, students } = await seedAccounts(4, transaction);
      const all = [admin, ...teachers, ...students];
      expect(all.length).to.be.greaterThan(3);
      expect(all.filter((u) => !(u.emailVerifiedAt instanceof Date))).to.deep.equal([]);
    } finally {
      await transaction.rollback();
    }
  });

  it('treats a soft-deleted account like an unknown email at login, and frees its address', async () => {
    const user = await createUser();
    await user.destroy();
    expect(await User.findByPk(user.id, { paranoid: false }))
      .to.have.property('deletedAt')
      .that.is.instanceOf(Date);
    const res = await request(app()).post('/api/v2/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(401);
    expect(res.body.error.code).to.equal('INVALID_CREDENTIALS');
    await request(app()).post('/api/v2/auth/register').send({ name: 'Again', email: user.email, password: 'a-good-password' }).expect(201);
  });
});
