import type { Migration } from '../common/db/migrator';

/**
 * Graded submissions, playground runs and rejudges. `grading_token` is set by each grading attempt
 * and checked by its final write, so a submission is completed exactly once even when a stalled
 * attempt comes back after another one took over.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE coding_rejudges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        task_id uuid NOT NULL REFERENCES coding_tasks(id) ON DELETE CASCADE,
        requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
        status varchar(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        total integer NOT NULL DEFAULT 0,
        done integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX coding_rejudges_task_idx ON coding_rejudges (task_id);

      CREATE TABLE coding_submissions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        task_id uuid NOT NULL REFERENCES coding_tasks(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        classroom_id uuid REFERENCES classrooms(id) ON DELETE SET NULL,
        language varchar(16) NOT NULL,
        files jsonb NOT NULL,
        status varchar(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        verdict varchar(16) CHECK (verdict IN ('accepted', 'wrong_answer', 'compile_error', 'runtime_error',
          'time_limit', 'memory_limit', 'output_limit', 'internal_error')),
        score integer NOT NULL DEFAULT 0,
        max_score integer NOT NULL DEFAULT 0,
        results jsonb NOT NULL DEFAULT '[]',
        compile_output text,
        error text,
        attempt integer NOT NULL,
        job_id varchar(120),
        grading_token uuid,
        starts integer NOT NULL DEFAULT 0,
        runner_crashes integer NOT NULL DEFAULT 0,
        rejudge_id uuid REFERENCES coding_rejudges(id) ON DELETE SET NULL,
        queued_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX coding_submissions_task_user_idx ON coding_submissions (task_id, user_id, created_at DESC);
      CREATE INDEX coding_submissions_user_idx ON coding_submissions (user_id, created_at DESC);
      CREATE INDEX coding_submissions_classroom_idx ON coding_submissions (classroom_id, created_at DESC);
      CREATE INDEX coding_submissions_pending_idx ON coding_submissions (status, updated_at)
        WHERE status IN ('queued', 'running');

      CREATE TABLE coding_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        language varchar(16) NOT NULL,
        files jsonb NOT NULL,
        stdin text NOT NULL DEFAULT '',
        status varchar(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        result jsonb,
        compile_output text,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX coding_runs_user_idx ON coding_runs (user_id, created_at DESC);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP TABLE IF EXISTS coding_runs;
      DROP TABLE IF EXISTS coding_submissions;
      DROP TABLE IF EXISTS coding_rejudges;
    `);
  },
};

module.exports = migration;
