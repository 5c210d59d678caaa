import type { Migration } from '../common/db/migrator';

/**
 * "Run samples": a playground run may name a task, and then runs against the task's sample tests
 * instead of custom stdin, each compared as grading would, without grading anything.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      ALTER TABLE coding_runs
        ADD COLUMN task_id uuid REFERENCES coding_tasks(id) ON DELETE CASCADE,
        ADD COLUMN sample_results jsonb;
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      ALTER TABLE coding_runs DROP COLUMN IF EXISTS sample_results, DROP COLUMN IF EXISTS task_id;
    `);
  },
};

module.exports = migration;
