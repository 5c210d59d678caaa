import type { Migration } from '../common/db/migrator';

/** The files handed in with an attempt, in the order they were sent. */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE submission_files (
        submission_id uuid NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        file_id uuid NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        position smallint NOT NULL DEFAULT 0,
        PRIMARY KEY (submission_id, file_id)
      );
      CREATE INDEX submission_files_file_idx ON submission_files (file_id);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS submission_files;');
  },
};

module.exports = migration;
