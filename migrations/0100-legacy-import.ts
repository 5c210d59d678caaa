import type { Migration } from '../common/db/migrator';

/**
 * The legacy importer's memory (README.md#moving-from-the-old-gema). `legacy_import_map` says which
 * GEMA row each legacy row became, with the checksum of the legacy row as last imported, so a later
 * run writes only what is new or changed and a crashed run resumes without duplicates (a batch writes
 * its rows and their map entries in one transaction). `legacy_import_runs` keeps every run's report.
 * `legacy_submission_files` holds a legacy submission's file when it cannot become a stored file:
 * a Cloudinary URL kept as an external reference, or a local path that was not readable.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE legacy_import_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        mode varchar(10) NOT NULL CHECK (mode IN ('import', 'dry-run', 'verify')),
        status varchar(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        source varchar(300) NOT NULL,
        options jsonb NOT NULL DEFAULT '{}',
        report jsonb,
        error text,
        started_by uuid REFERENCES users(id) ON DELETE SET NULL,
        progress jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      );
      CREATE INDEX legacy_import_runs_created_idx ON legacy_import_runs (created_at DESC);

      CREATE TABLE legacy_import_map (
        entity varchar(40) NOT NULL,
        legacy_id text NOT NULL,
        new_id uuid NOT NULL,
        source_updated_at timestamptz,
        checksum char(64) NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (entity, legacy_id)
      );
      CREATE INDEX legacy_import_map_new_idx ON legacy_import_map (entity, new_id);

      CREATE TABLE legacy_submission_files (
        submission_id uuid NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        source_path text NOT NULL,
        original_name varchar(255) NOT NULL,
        mime_type varchar(127),
        size bigint,
        state varchar(10) NOT NULL CHECK (state IN ('external', 'copied', 'missing')),
        file_id uuid REFERENCES files(id) ON DELETE SET NULL,
        PRIMARY KEY (submission_id)
      );
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP TABLE IF EXISTS legacy_submission_files;
      DROP TABLE IF EXISTS legacy_import_map;
      DROP TABLE IF EXISTS legacy_import_runs;
    `);
  },
};

module.exports = migration;
