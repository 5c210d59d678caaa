import type { Migration } from '../common/db/migrator';

/**
 * One row per attempt; the highest attempt of a student on an assignment is the one that counts.
 * `days_late` and `penalty_percent` are fixed when the attempt is handed in, so grading later
 * applies the penalty the policy gave at that moment. Every grade ever given is kept in
 * `submission_grades`.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE submissions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        assignment_id uuid NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
        student_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        attempt integer NOT NULL CHECK (attempt >= 1),
        content text,
        status varchar(16) NOT NULL
          CHECK (status IN ('submitted', 'late', 'graded', 'returned', 'needs_revision')),
        submitted_at timestamptz NOT NULL DEFAULT now(),
        days_late integer NOT NULL DEFAULT 0 CHECK (days_late >= 0),
        penalty_percent double precision NOT NULL DEFAULT 0 CHECK (penalty_percent >= 0),
        grade double precision CHECK (grade >= 0),
        raw_grade double precision CHECK (raw_grade >= 0),
        feedback text,
        graded_by uuid REFERENCES users(id) ON DELETE SET NULL,
        graded_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT submissions_attempt_key UNIQUE (assignment_id, student_id, attempt)
      );
      CREATE INDEX submissions_student_idx ON submissions (student_id, assignment_id, attempt DESC);

      CREATE TABLE submission_grades (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        submission_id uuid NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        grade double precision,
        raw_grade double precision,
        penalty_percent double precision NOT NULL DEFAULT 0,
        feedback text,
        status varchar(16) NOT NULL,
        graded_by uuid REFERENCES users(id) ON DELETE SET NULL,
        graded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX submission_grades_submission_idx ON submission_grades (submission_id, graded_at);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS submission_grades; DROP TABLE IF EXISTS submissions;');
  },
};

module.exports = migration;
