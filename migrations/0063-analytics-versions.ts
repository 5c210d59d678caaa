import type { Migration } from '../common/db/migrator';

/**
 * A version per classroom, bumped by triggers in the same transaction as any change the analytics read
 * (README.md#admin-analytics): a submission or a grade (API or worker, Sequelize or raw SQL), an
 * assignment, a coding-lab submission, a student joining or leaving. The cache key carries the
 * version, so no code path can forget to invalidate and a cached answer is never older than the data.
 * Statement-level triggers with transition tables bump each classroom once per statement, so a
 * 5,000-row import costs one bump, not 5,000.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE analytics_versions (
        classroom_id uuid PRIMARY KEY REFERENCES classrooms(id) ON DELETE CASCADE,
        version bigint NOT NULL DEFAULT 1,
        changed_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE FUNCTION bump_analytics_versions(ids uuid[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO analytics_versions AS v (classroom_id)
        SELECT DISTINCT x.cid FROM unnest(ids) AS x(cid)
        WHERE x.cid IS NOT NULL AND EXISTS (SELECT 1 FROM classrooms c WHERE c.id = x.cid)
        ON CONFLICT (classroom_id) DO UPDATE SET version = v.version + 1, changed_at = now();
      $$;

      -- an assignment for every classroom (classroom_id NULL) counts in each of its students' classrooms
      CREATE FUNCTION analytics_bump_submissions() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bump_analytics_versions(ARRAY(
          SELECT coalesce(a.classroom_id, u.classroom_id) FROM changed s
          JOIN assignments a ON a.id = s.assignment_id JOIN users u ON u.id = s.student_id));
        RETURN NULL;
      END $$;
      CREATE FUNCTION analytics_bump_coding() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bump_analytics_versions(ARRAY(
          SELECT coalesce(s.classroom_id, u.classroom_id) FROM changed s JOIN users u ON u.id = s.user_id));
        RETURN NULL;
      END $$;
      CREATE FUNCTION analytics_bump_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- a school-wide assignment touches every classroom
        IF EXISTS (SELECT 1 FROM changed WHERE classroom_id IS NULL) THEN
          PERFORM bump_analytics_versions(ARRAY(SELECT id FROM classrooms));
        ELSE
          PERFORM bump_analytics_versions(ARRAY(SELECT classroom_id FROM changed));
        END IF;
        RETURN NULL;
      END $$;
      CREATE FUNCTION analytics_bump_users() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bump_analytics_versions(ARRAY(SELECT classroom_id FROM changed WHERE role = 'student'));
        RETURN NULL;
      END $$;
      CREATE FUNCTION analytics_bump_user_move() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bump_analytics_versions(ARRAY[OLD.classroom_id, NEW.classroom_id]);
        RETURN NULL;
      END $$;
    `);
    // one trigger per table and event: a transition table belongs to one event
    const statements: string[] = [];
    for (const [table, fn] of [
      ['submissions', 'analytics_bump_submissions'],
      ['coding_submissions', 'analytics_bump_coding'],
      ['assignments', 'analytics_bump_assignments'],
    ] as const) {
      statements.push(
        `CREATE TRIGGER ${table}_analytics_ins AFTER INSERT ON ${table} REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
        `CREATE TRIGGER ${table}_analytics_upd AFTER UPDATE ON ${table} REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
        `CREATE TRIGGER ${table}_analytics_del AFTER DELETE ON ${table} REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
      );
    }
    statements.push(
      `CREATE TRIGGER users_analytics_ins AFTER INSERT ON users REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION analytics_bump_users();`,
      // logins update users all day long; only a change of classroom, role or deletion matters here
      `CREATE TRIGGER users_analytics_move AFTER UPDATE OF classroom_id, role, deleted_at ON users FOR EACH ROW
         WHEN (OLD.classroom_id IS DISTINCT FROM NEW.classroom_id OR OLD.role IS DISTINCT FROM NEW.role OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
         EXECUTE FUNCTION analytics_bump_user_move();`,
    );
    await sequelize.query(statements.join('\n'));
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP TRIGGER IF EXISTS users_analytics_move ON users;
      DROP TRIGGER IF EXISTS users_analytics_ins ON users;
      ${['submissions', 'coding_submissions', 'assignments']
        .flatMap((t) => ['ins', 'upd', 'del'].map((e) => `DROP TRIGGER IF EXISTS ${t}_analytics_${e} ON ${t};`))
        .join('\n')}
      DROP FUNCTION IF EXISTS analytics_bump_user_move();
      DROP FUNCTION IF EXISTS analytics_bump_users();
      DROP FUNCTION IF EXISTS analytics_bump_assignments();
      DROP FUNCTION IF EXISTS analytics_bump_coding();
      DROP FUNCTION IF EXISTS analytics_bump_submissions();
      DROP FUNCTION IF EXISTS bump_analytics_versions(uuid[]);
      DROP TABLE IF EXISTS analytics_versions;
    `);
  },
};

module.exports = migration;
