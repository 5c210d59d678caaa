import type { Migration } from '../common/db/migrator';

/**
 * Chat: support-desk conversations (a user and the school's admins, with status, priority and an
 * assignee), direct conversations between two people (`direct_key` keeps one per pair) and one
 * channel per classroom. Members carry the read marker; a classroom channel's roster is the classroom's
 * students and teachers, so its member rows appear when someone first reads it. Messages keep their
 * place when deleted (`deleted_at`, body emptied).
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE chat_conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind varchar(10) NOT NULL CHECK (kind IN ('support', 'direct', 'classroom')),
        classroom_id uuid REFERENCES classrooms(id) ON DELETE CASCADE,
        direct_key varchar(80),
        subject varchar(200),
        status varchar(10) CHECK (status IN ('open', 'waiting', 'closed')),
        priority varchar(10) CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        assignee_id uuid REFERENCES users(id) ON DELETE SET NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        last_message_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'support') = (status IS NOT NULL AND priority IS NOT NULL)),
        CHECK ((kind = 'classroom') = (classroom_id IS NOT NULL)),
        CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
      );
      CREATE UNIQUE INDEX chat_conversations_classroom_key ON chat_conversations (classroom_id) WHERE kind = 'classroom';
      CREATE UNIQUE INDEX chat_conversations_direct_key ON chat_conversations (direct_key) WHERE kind = 'direct';
      CREATE INDEX chat_conversations_support_idx ON chat_conversations (status, last_message_at DESC) WHERE kind = 'support';

      CREATE TABLE chat_members (
        conversation_id uuid NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        last_read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (conversation_id, user_id)
      );
      CREATE INDEX chat_members_user_idx ON chat_members (user_id);

      CREATE TABLE chat_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
        author_id uuid REFERENCES users(id) ON DELETE SET NULL,
        body text NOT NULL,
        body_html text NOT NULL,
        edited_at timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX chat_messages_conversation_idx ON chat_messages (conversation_id, created_at DESC, id DESC);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS chat_messages; DROP TABLE IF EXISTS chat_members; DROP TABLE IF EXISTS chat_conversations;');
  },
};

module.exports = migration;
