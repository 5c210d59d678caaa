import type { Migration } from '../common/db/migrator';

/** Coding tasks and their test cases: what the grader runs a submission against. */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE coding_tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug varchar(80) NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
        title varchar(200) NOT NULL,
        description text NOT NULL DEFAULT '',
        difficulty varchar(10) NOT NULL DEFAULT 'easy' CHECK (difficulty IN ('easy', 'medium', 'hard')),
        tags text[] NOT NULL DEFAULT '{}',
        languages text[] NOT NULL CHECK (cardinality(languages) > 0),
        starter_code jsonb NOT NULL DEFAULT '{}',
        time_limit_ms integer NOT NULL DEFAULT 2000 CHECK (time_limit_ms BETWEEN 100 AND 20000),
        memory_limit_mb integer NOT NULL DEFAULT 128 CHECK (memory_limit_mb BETWEEN 16 AND 1024),
        points integer NOT NULL DEFAULT 100 CHECK (points >= 0),
        classroom_id uuid REFERENCES classrooms(id) ON DELETE SET NULL,
        published boolean NOT NULL DEFAULT false,
        scoring varchar(16) NOT NULL DEFAULT 'partial' CHECK (scoring IN ('partial', 'all_or_nothing')),
        stop_on_first_failure boolean NOT NULL DEFAULT false,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX coding_tasks_slug_key ON coding_tasks (slug) WHERE deleted_at IS NULL;
      CREATE INDEX coding_tasks_classroom_idx ON coding_tasks (classroom_id) WHERE deleted_at IS NULL;
      CREATE INDEX coding_tasks_tags_idx ON coding_tasks USING gin (tags);

      CREATE TABLE coding_test_cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        task_id uuid NOT NULL REFERENCES coding_tasks(id) ON DELETE CASCADE,
        position integer NOT NULL,
        name varchar(100) NOT NULL,
        stdin text NOT NULL DEFAULT '',
        expected text NOT NULL DEFAULT '',
        comparison varchar(10) NOT NULL DEFAULT 'trim' CHECK (comparison IN ('exact', 'trim', 'tokens', 'float', 'regex')),
        tolerance double precision CHECK (tolerance IS NULL OR tolerance >= 0),
        points integer NOT NULL DEFAULT 1 CHECK (points >= 0),
        visibility varchar(16) NOT NULL DEFAULT 'show'
          CHECK (visibility IN ('show', 'hide', 'hide_if_succeed', 'hide_if_fail')),
        sample boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT coding_test_cases_position_key UNIQUE (task_id, position)
      );
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP TABLE IF EXISTS coding_test_cases;
      DROP TABLE IF EXISTS coding_tasks;
    `);
  },
};

module.exports = migration;
