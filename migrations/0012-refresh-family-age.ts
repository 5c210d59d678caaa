import type { Migration } from '../common/db/migrator';

/**
 * An absolute lifetime for a login: every refresh token carries the time its family (login) began,
 * so rotation cannot extend a session past REFRESH_FAMILY_MAX_AGE. Plus plain per-user indexes, which
 * the purge of a user's dead rows at login and at minting needs (the 0010 indexes are partial).
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      ALTER TABLE refresh_tokens ADD COLUMN family_started_at timestamptz;
      UPDATE refresh_tokens r SET family_started_at = f.started
        FROM (SELECT family_id, min(created_at) AS started FROM refresh_tokens GROUP BY family_id) f
        WHERE r.family_id = f.family_id;
      ALTER TABLE refresh_tokens ALTER COLUMN family_started_at SET DEFAULT now();
      ALTER TABLE refresh_tokens ALTER COLUMN family_started_at SET NOT NULL;
      CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
      CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, purpose);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP INDEX IF EXISTS one_time_tokens_user_idx;
      DROP INDEX IF EXISTS refresh_tokens_user_idx;
      ALTER TABLE refresh_tokens DROP COLUMN IF EXISTS family_started_at;
    `);
  },
};

module.exports = migration;
