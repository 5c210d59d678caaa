import type { Migration } from '../common/db/migrator';

/**
 * Announcements of the school site. `publish_at` hides a scheduled one until then; `notified_at`
 * records that its audience was told (once, by the delayed `site` job or at once when published).
 * The Markdown is kept as written and, rendered and sanitised at write time, as `content_html`.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE announcements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title varchar(200) NOT NULL,
        excerpt varchar(500),
        content text NOT NULL,
        content_html text NOT NULL,
        category varchar(20) NOT NULL CHECK (category IN ('class', 'event', 'assignment', 'grade', 'system')),
        important boolean NOT NULL DEFAULT false,
        active boolean NOT NULL DEFAULT true,
        show_on_homepage boolean NOT NULL DEFAULT false,
        deadline timestamptz,
        link varchar(500),
        view_count integer NOT NULL DEFAULT 0,
        publish_at timestamptz NOT NULL DEFAULT now(),
        notified_at timestamptz,
        classroom_id uuid REFERENCES classrooms(id) ON DELETE CASCADE,
        author_id uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX announcements_visible_idx ON announcements (important DESC, publish_at DESC) WHERE active;
      CREATE INDEX announcements_classroom_idx ON announcements (classroom_id);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS announcements;');
  },
};

module.exports = migration;
