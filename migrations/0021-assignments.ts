import type { Migration } from '../common/db/migrator';

/**
 * Work a teacher sets. `classroom_id` NULL means every classroom. The late policy lives on the row so
 * a submission can be judged with no other lookup.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE assignments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title varchar(200) NOT NULL,
        description text NOT NULL DEFAULT '',
        classroom_id uuid REFERENCES classrooms(id) ON DELETE CASCADE,
        kind varchar(10) NOT NULL CHECK (kind IN ('file', 'text', 'link')),
        due_at timestamptz NOT NULL,
        max_points integer NOT NULL CHECK (max_points BETWEEN 1 AND 1000),
        accept_late boolean NOT NULL DEFAULT false,
        late_penalty_percent double precision NOT NULL DEFAULT 0
          CHECK (late_penalty_percent >= 0 AND late_penalty_percent <= 100),
        max_late_days integer CHECK (max_late_days >= 0),
        max_attempts integer NOT NULL DEFAULT 1 CHECK (max_attempts BETWEEN 1 AND 20),
        allowed_file_types varchar(100)[] NOT NULL DEFAULT '{}',
        max_file_bytes integer NOT NULL DEFAULT 10485760 CHECK (max_file_bytes > 0),
        status varchar(10) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX assignments_classroom_status_due_idx ON assignments (classroom_id, status, due_at);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('DROP TABLE IF EXISTS assignments;');
  },
};

module.exports = migration;
