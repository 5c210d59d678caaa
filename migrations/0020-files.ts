import type { Migration } from '../common/db/migrator';

/**
 * Uploaded files: one row per distinct content per owner (the unique sha256 key), whatever number of
 * submissions refer to it. The bytes live in the storage driver named on the row.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        storage_driver varchar(20) NOT NULL CHECK (storage_driver IN ('local', 'cloudinary')),
        storage_key varchar(300) NOT NULL,
        original_name varchar(255) NOT NULL,
        mime_type varchar(127) NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        status varchar(12) NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'ready', 'rejected')),
        rejection_reason varchar(500),
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT files_owner_sha256_key UNIQUE (owner_id, sha256),
        CONSTRAINT files_storage_key UNIQUE (storage_driver, storage_key)
      );
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS files;');
  },
};

module.exports = migration;
