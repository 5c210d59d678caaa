import type { Migration } from '../common/db/migrator';

/**
 * A large student import runs as a job (README.md#admin-bulk-import-and-export): the file waits here
 * for the worker, which records its progress and outcome on the same row for the status route.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE student_imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
        status varchar(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
        total integer NOT NULL,
        done integer NOT NULL DEFAULT 0,
        csv text,
        initial_password_hash varchar(100),
        summary jsonb,
        refused jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX student_imports_requester_idx ON student_imports (requested_by, created_at DESC);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`DROP TABLE IF EXISTS student_imports;`);
  },
};

module.exports = migration;
