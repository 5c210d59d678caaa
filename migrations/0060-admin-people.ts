import type { Migration } from '../common/db/migrator';

/**
 * Accounts made by school staff (README.md#admin-people): a student may have only a NIS and no
 * email, an initial password set by staff must be changed at first sign-in, and a classroom can be
 * archived at the end of a school year instead of deleted.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
      ALTER TABLE users ADD CONSTRAINT users_email_or_nis_check CHECK (email IS NOT NULL OR student_number IS NOT NULL);
      ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
      ALTER TABLE classrooms ADD COLUMN archived_at timestamptz;
    `);
  },
  async down({ context: { sequelize } }) {
    // an account that has only a NIS gets an address that can never receive mail, so NOT NULL holds again
    await sequelize.query(`
      UPDATE users SET email = 'nis-' || id || '@invalid' WHERE email IS NULL;
      ALTER TABLE classrooms DROP COLUMN IF EXISTS archived_at;
      ALTER TABLE users DROP COLUMN IF EXISTS must_change_password;
      ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_or_nis_check;
      ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    `);
  },
};

module.exports = migration;
