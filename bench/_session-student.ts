import crypto from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import { createSequelize, ensureDatabase } from '../common/db/sequelize';
import { createMigrator } from '../common/db/migrator';
import { initModels, User } from '../common/models';
import { AccessTokens } from '../api/auth/tokens';

export interface SessionStudent {
  /** the bench's connection, open until the caller closes it */
  sequelize: Sequelize;
  user: User;
  /** a bearer access token of the student's */
  token: string;
}

/**
 * What the `GET /auth/session` benches start from: the bench's database created and migrated, one
 * student in it and an access token for them. `passwordHash` only matters to a bench that logs in.
 */
export async function sessionStudent(
  config: Config,
  { email = 'bench@gema.local', name = 'Bench Student', passwordHash = 'x' } = {},
): Promise<SessionStudent> {
  await ensureDatabase(config.db.url);
  const sequelize = createSequelize(config);
  try {
    await createMigrator(sequelize).up();
    initModels(sequelize);
    const user = await User.create({ email, name, role: 'student', passwordHash, emailVerifiedAt: new Date() });
    return { sequelize, user, token: new AccessTokens(config).sign(user, crypto.randomUUID()).token };
  } catch (err) {
    await sequelize.close();
    throw err;
  }
}
