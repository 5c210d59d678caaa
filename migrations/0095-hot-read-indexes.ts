import type { Migration } from '../common/db/migrator';

/**
 * Indexes the student hot reads need once a school is real-sized (bench/README.md shows their plans):
 * the dashboard's solved-task count reads only a student's accepted coding submissions, and both the
 * dashboard and the assignment list ask for the next due time among published assignments (the
 * moment their cached page turns, api/learning/student-cache.ts).
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE INDEX coding_submissions_accepted_idx ON coding_submissions (user_id, task_id) WHERE verdict = 'accepted';
      CREATE INDEX assignments_published_due_idx ON assignments (due_at) WHERE status = 'published';
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP INDEX IF EXISTS coding_submissions_accepted_idx;
      DROP INDEX IF EXISTS assignments_published_due_idx;
    `);
  },
};

module.exports = migration;
