import type { Migration } from '../common/db/migrator';

/**
 * Notifications, stored per user. `dedupe_key` makes a trigger that runs twice (a retried job, a
 * second worker) create one notification per user, never two. Muted types live per user in
 * `notification_preferences` (a missing row mutes nothing).
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type varchar(40) NOT NULL,
        title varchar(200) NOT NULL,
        body text NOT NULL DEFAULT '',
        link varchar(500),
        data jsonb NOT NULL DEFAULT '{}',
        dedupe_key varchar(200),
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);
      CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
      CREATE UNIQUE INDEX notifications_dedupe_key ON notifications (user_id, dedupe_key);
      CREATE TABLE notification_preferences (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        muted_types varchar(40)[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS notification_preferences; DROP TABLE IF EXISTS notifications;');
  },
};

module.exports = migration;
