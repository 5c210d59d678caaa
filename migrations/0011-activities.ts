import type { Migration } from '../common/db/migrator';

/** The audit log: who did what security-relevant thing, from where. Kept when a user is removed. */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE activities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        type varchar(40) NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        ip varchar(64),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX activities_user_time_idx ON activities (user_id, created_at DESC);
      CREATE INDEX activities_type_time_idx ON activities (type, created_at DESC);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`DROP TABLE IF EXISTS activities;`);
  },
};

module.exports = migration;
