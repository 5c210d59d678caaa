import type { Migration } from '../common/db/migrator';

/**
 * Refresh tokens and one-time tokens (email verification, password reset). Only a keyed hash of
 * each token is stored, so a copy of the database cannot be replayed against the API.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason varchar(20)
          CHECK (revoked_reason IN ('rotated', 'logout', 'reuse', 'password', 'admin')),
        replaced_by uuid REFERENCES refresh_tokens(id) ON DELETE SET NULL,
        user_agent varchar(512),
        ip varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT refresh_tokens_hash_key UNIQUE (token_hash)
      );
      CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_user_live_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

      CREATE TABLE one_time_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose varchar(20) NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT one_time_tokens_hash_key UNIQUE (token_hash)
      );
      CREATE INDEX one_time_tokens_user_purpose_idx ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL;
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP TABLE IF EXISTS one_time_tokens;
      DROP TABLE IF EXISTS refresh_tokens;
    `);
  },
};

module.exports = migration;
