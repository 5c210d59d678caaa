import type { Migration } from '../common/db/migrator';

/** Messages sent through the public contact form, and the replies staff sent back. */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE contact_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        email varchar(254) NOT NULL,
        phone varchar(30),
        subject varchar(200) NOT NULL,
        message text NOT NULL,
        status varchar(10) NOT NULL DEFAULT 'unread' CHECK (status IN ('unread', 'read', 'replied')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX contact_messages_status_idx ON contact_messages (status, created_at DESC);
      CREATE TABLE contact_replies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contact_id uuid NOT NULL REFERENCES contact_messages(id) ON DELETE CASCADE,
        author_id uuid REFERENCES users(id) ON DELETE SET NULL,
        message text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX contact_replies_contact_idx ON contact_replies (contact_id, created_at);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS contact_replies; DROP TABLE IF EXISTS contact_messages;');
  },
};

module.exports = migration;
