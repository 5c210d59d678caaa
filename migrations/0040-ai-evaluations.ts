import type { Migration } from '../common/db/migrator';

/**
 * AI evaluations of coding submissions. `result` is what the reviewer said (summary, strengths,
 * issues, suggestions, rubric); `metrics` the measured facts about the code, stored for every
 * provider. At most one evaluation per submission may be waiting or running at a time.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE ai_evaluations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        coding_submission_id uuid NOT NULL REFERENCES coding_submissions(id) ON DELETE CASCADE,
        requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
        status varchar(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        provider varchar(20) CHECK (provider IN ('openai-compatible', 'static')),
        model varchar(200),
        result jsonb,
        metrics jsonb,
        error text,
        attempts integer NOT NULL DEFAULT 0,
        started_at timestamptz,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ai_evaluations_submission_idx ON ai_evaluations (coding_submission_id, created_at DESC);
      CREATE UNIQUE INDEX ai_evaluations_one_pending_key ON ai_evaluations (coding_submission_id)
        WHERE status IN ('queued', 'running');
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS ai_evaluations;');
  },
};

module.exports = migration;
