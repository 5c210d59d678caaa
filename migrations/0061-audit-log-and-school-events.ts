import type { Migration } from '../common/db/migrator';

/**
 * "Activities" meant two things: the security audit table (0011) and, in the GEMA app this replaces,
 * school events shown on the homepage. The audit table becomes `audit_log`; `school_events` holds the
 * events (README.md#admin-school-events-and-audit-log).
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      ALTER TABLE activities RENAME TO audit_log;
      ALTER TABLE audit_log RENAME CONSTRAINT activities_pkey TO audit_log_pkey;
      ALTER TABLE audit_log RENAME CONSTRAINT activities_user_id_fkey TO audit_log_user_id_fkey;
      ALTER INDEX activities_user_time_idx RENAME TO audit_log_user_time_idx;
      ALTER INDEX activities_type_time_idx RENAME TO audit_log_type_time_idx;
      CREATE INDEX audit_log_time_idx ON audit_log (created_at DESC);

      CREATE TABLE school_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title varchar(200) NOT NULL,
        description text NOT NULL DEFAULT '',
        starts_at timestamptz NOT NULL,
        ends_at timestamptz,
        location varchar(200),
        capacity integer CHECK (capacity IS NULL OR capacity > 0),
        registered_count integer NOT NULL DEFAULT 0 CHECK (registered_count >= 0),
        active boolean NOT NULL DEFAULT true,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT school_events_ends_after_start CHECK (ends_at IS NULL OR ends_at >= starts_at),
        CONSTRAINT school_events_registered_within_capacity CHECK (capacity IS NULL OR registered_count <= capacity)
      );
      -- the homepage question: active events not over yet, soonest first
      CREATE INDEX school_events_upcoming_idx ON school_events (starts_at) WHERE active;
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP TABLE IF EXISTS school_events;
      DROP INDEX IF EXISTS audit_log_time_idx;
      ALTER INDEX audit_log_type_time_idx RENAME TO activities_type_time_idx;
      ALTER INDEX audit_log_user_time_idx RENAME TO activities_user_time_idx;
      ALTER TABLE audit_log RENAME CONSTRAINT audit_log_user_id_fkey TO activities_user_id_fkey;
      ALTER TABLE audit_log RENAME CONSTRAINT audit_log_pkey TO activities_pkey;
      ALTER TABLE audit_log RENAME TO activities;
    `);
  },
};

module.exports = migration;
