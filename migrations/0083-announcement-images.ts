import type { Migration } from '../common/db/migrator';

/** An announcement's picture: a file published on the public path while an announcement shows it. */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      ALTER TABLE announcements ADD COLUMN image_file_id uuid REFERENCES files(id) ON DELETE SET NULL;
      CREATE INDEX announcements_image_idx ON announcements (image_file_id) WHERE image_file_id IS NOT NULL;
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('ALTER TABLE announcements DROP COLUMN IF EXISTS image_file_id;');
  },
};

module.exports = migration;
