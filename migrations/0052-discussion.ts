import type { Migration } from '../common/db/migrator';

/**
 * The discussion forum: threads (school-wide when `classroom_id` is null) and replies one level deep
 * (`reply_to` names a top-level reply). Deleted threads and replies keep their row and place with the
 * words removed. `search` is the full-text vector of title (weight A) and body (B), with the `simple`
 * configuration: the school writes Indonesian and English, and no stemmer suits both.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE discussion_threads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        author_id uuid REFERENCES users(id) ON DELETE SET NULL,
        classroom_id uuid REFERENCES classrooms(id) ON DELETE CASCADE,
        title varchar(200) NOT NULL,
        body text NOT NULL,
        body_html text NOT NULL,
        tags varchar(30)[] NOT NULL DEFAULT '{}',
        pinned boolean NOT NULL DEFAULT false,
        locked boolean NOT NULL DEFAULT false,
        accepted_reply_id uuid,
        reply_count integer NOT NULL DEFAULT 0,
        last_activity_at timestamptz NOT NULL DEFAULT now(),
        edited_at timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')
        ) STORED
      );
      CREATE INDEX discussion_threads_search_idx ON discussion_threads USING gin (search);
      CREATE INDEX discussion_threads_tags_idx ON discussion_threads USING gin (tags);
      CREATE INDEX discussion_threads_activity_idx ON discussion_threads (classroom_id, pinned DESC, last_activity_at DESC);

      CREATE TABLE discussion_replies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        thread_id uuid NOT NULL REFERENCES discussion_threads(id) ON DELETE CASCADE,
        author_id uuid REFERENCES users(id) ON DELETE SET NULL,
        reply_to uuid REFERENCES discussion_replies(id) ON DELETE SET NULL,
        body text NOT NULL,
        body_html text NOT NULL,
        edited_at timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX discussion_replies_thread_idx ON discussion_replies (thread_id, created_at, id);
      ALTER TABLE discussion_threads ADD CONSTRAINT discussion_threads_accepted_fk
        FOREIGN KEY (accepted_reply_id) REFERENCES discussion_replies(id) ON DELETE SET NULL;
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      ALTER TABLE IF EXISTS discussion_threads DROP CONSTRAINT IF EXISTS discussion_threads_accepted_fk;
      DROP TABLE IF EXISTS discussion_replies;
      DROP TABLE IF EXISTS discussion_threads;
    `);
  },
};

module.exports = migration;
