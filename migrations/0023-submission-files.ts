import type { Migration } from '../common/db/migrator';

/** The files handed in with an attempt, in the order they were sent. */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE submission_files (
        submission_id uuid NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        file_id uuid NOT NULL, -- TEMP until files merges: FK added below when the table exists
        position smallint NOT NULL DEFAULT 0,
        PRIMARY KEY (submission_id, file_id)
      );
      CREATE INDEX submission_files_file_idx ON submission_files (file_id);
      DO $$ BEGIN
        IF to_regclass('files') IS NOT NULL THEN
          ALTER TABLE submission_files ADD CONSTRAINT submission_files_file_fkey FOREIGN KEY (file_id) REFERENCES files(id) ON DELETE RESTRICT;
        END IF;
      END $$;
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS submission_files;');
  },
};

module.exports = migration;
