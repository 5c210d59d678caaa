import type { Sequelize } from 'sequelize';
import { User } from '../../common/models';
import { seedAccounts, hashDemoPassword, DEMO_PASSWORD, DEMO_JOIN_CODES } from './accounts';
import { seedCodingLab } from './coding-lab';
import { seedLearning } from './learning';
import { seedCommunity } from './community';
import { seedSchoolEvents } from './school-events';
import { seedSite } from './site';
import { seedWebLab } from './web-lab';

export { DEMO_PASSWORD, DEMO_JOIN_CODES, hashDemoPassword };

export { DEMO_LOGINS } from './demo-logins';

/**
 * Fills an empty database with a demo school. Does nothing when any user exists, so it is safe to
 * run on every start. Each feature adds its step after the accounts. `passwordHash`: the demo
 * password's hash (hashDemoPassword), when the caller started it early.
 */
export async function seedDemoSchool(sequelize: Sequelize, opts: { bcryptCost: number; passwordHash?: Promise<string> }): Promise<boolean> {
  if ((await User.unscoped().count({ paranoid: false })) > 0) return false;
  await sequelize.transaction(async (transaction) => {
    const accounts = await seedAccounts(opts.bcryptCost, transaction, opts.passwordHash);
    await seedLearning(transaction);
    await seedCodingLab(accounts, transaction);
    await seedCommunity(accounts, transaction);
    await seedSchoolEvents(accounts, transaction);
    await seedSite(accounts, transaction);
    await seedWebLab(accounts, transaction);
  });
  return true;
}
