import type { Migration } from '../common/db/migrator';

/**
 * The web lab: assignments, one project per student and assignment (the autosaved draft), an
 * immutable version per submit with its check results, the teacher's evaluations (every one kept:
 * the history), and bulk re-checks. `projects.revision` is the draft's ETag.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE web_assignments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title varchar(200) NOT NULL,
        description text NOT NULL DEFAULT '',
        classroom_id uuid REFERENCES classrooms(id) ON DELETE CASCADE,
        starter_files jsonb NOT NULL DEFAULT '[]',
        due_at timestamptz NOT NULL,
        accept_late boolean NOT NULL DEFAULT false,
        late_penalty_percent double precision NOT NULL DEFAULT 0,
        max_late_days integer,
        points integer NOT NULL,
        auto_weight_percent integer NOT NULL DEFAULT 0 CHECK (auto_weight_percent BETWEEN 0 AND 100),
        rubric jsonb NOT NULL,
        checks jsonb NOT NULL DEFAULT '[]',
        published boolean NOT NULL DEFAULT false,
        archived_at timestamptz,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX web_assignments_classroom_idx ON web_assignments (classroom_id, due_at);

      CREATE TABLE web_projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        assignment_id uuid NOT NULL REFERENCES web_assignments(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        classroom_id uuid REFERENCES classrooms(id) ON DELETE SET NULL,
        files jsonb NOT NULL DEFAULT '[]',
        revision integer NOT NULL DEFAULT 1,
        status varchar(10) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'returned', 'graded')),
        submitted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (assignment_id, user_id)
      );
      CREATE INDEX web_projects_classroom_idx ON web_projects (assignment_id, classroom_id);

      CREATE TABLE web_rechecks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        assignment_id uuid NOT NULL REFERENCES web_assignments(id) ON DELETE CASCADE,
        requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
        status varchar(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        total integer NOT NULL DEFAULT 0,
        done integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );

      CREATE TABLE web_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES web_projects(id) ON DELETE CASCADE,
        assignment_id uuid NOT NULL REFERENCES web_assignments(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        classroom_id uuid REFERENCES classrooms(id) ON DELETE SET NULL,
        number integer NOT NULL,
        files jsonb NOT NULL,
        status varchar(10) NOT NULL DEFAULT 'checking' CHECK (status IN ('checking', 'completed', 'failed')),
        score double precision NOT NULL DEFAULT 0,
        max_score double precision NOT NULL DEFAULT 0,
        results jsonb NOT NULL DEFAULT '[]',
        error text,
        screenshot_key varchar(300),
        thumbnail_key varchar(300),
        days_late integer NOT NULL DEFAULT 0,
        penalty_percent double precision NOT NULL DEFAULT 0,
        recheck_id uuid REFERENCES web_rechecks(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        UNIQUE (project_id, number)
      );
      CREATE INDEX web_versions_assignment_idx ON web_versions (assignment_id, classroom_id, created_at DESC);
      CREATE INDEX web_versions_user_idx ON web_versions (user_id, created_at DESC);

      CREATE TABLE web_evaluations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        version_id uuid NOT NULL REFERENCES web_versions(id) ON DELETE CASCADE,
        project_id uuid NOT NULL REFERENCES web_projects(id) ON DELETE CASCADE,
        scores jsonb NOT NULL,
        note text NOT NULL DEFAULT '',
        status varchar(10) NOT NULL CHECK (status IN ('returned', 'graded')),
        rubric_total double precision NOT NULL,
        grade double precision NOT NULL,
        evaluated_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX web_evaluations_version_idx ON web_evaluations (version_id, created_at);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP TABLE IF EXISTS web_evaluations;
      DROP TABLE IF EXISTS web_versions;
      DROP TABLE IF EXISTS web_rechecks;
      DROP TABLE IF EXISTS web_projects;
      DROP TABLE IF EXISTS web_assignments;
    `);
  },
};

module.exports = migration;
