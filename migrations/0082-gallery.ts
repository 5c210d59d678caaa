import type { Migration } from '../common/db/migrator';

/**
 * Gallery items, and the files published for anyone to fetch without a token. A file is public
 * exactly while it has a `published_files` row; nothing else is reachable through the public path.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE published_files (
        file_id uuid PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        published_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE gallery_items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title varchar(200) NOT NULL,
        description text NOT NULL DEFAULT '',
        category varchar(50) NOT NULL DEFAULT 'general',
        file_id uuid NOT NULL REFERENCES files(id) ON DELETE RESTRICT,
        active boolean NOT NULL DEFAULT true,
        show_on_homepage boolean NOT NULL DEFAULT false,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX gallery_items_list_idx ON gallery_items (created_at DESC) WHERE active;
      CREATE INDEX gallery_items_file_idx ON gallery_items (file_id);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS gallery_items; DROP TABLE IF EXISTS published_files;');
  },
};

module.exports = migration;
