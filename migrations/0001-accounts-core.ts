import type { Migration } from '../common/db/migrator';

/** Users, classrooms and who teaches where: the tables every other part of GEMA refers to. */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      CREATE TABLE classrooms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        academic_year varchar(9) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT classrooms_name_year_key UNIQUE (name, academic_year)
      );

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL CHECK (email = lower(btrim(email))),
        password_hash varchar(100) NOT NULL,
        name varchar(120) NOT NULL,
        role varchar(10) NOT NULL CHECK (role IN ('student', 'teacher', 'admin')),
        status varchar(10) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        email_verified_at timestamptz,
        last_login_at timestamptz,
        classroom_id uuid REFERENCES classrooms(id) ON DELETE SET NULL,
        student_number varchar(20),
        phone varchar(20),
        bio varchar(500),
        avatar_url varchar(500),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL;
      CREATE UNIQUE INDEX users_student_number_key ON users (student_number)
        WHERE student_number IS NOT NULL AND deleted_at IS NULL;
      CREATE INDEX users_classroom_idx ON users (classroom_id) WHERE deleted_at IS NULL;

      CREATE TABLE classroom_teachers (
        classroom_id uuid NOT NULL REFERENCES classrooms(id) ON DELETE CASCADE,
        teacher_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (classroom_id, teacher_id)
      );
      CREATE INDEX classroom_teachers_teacher_idx ON classroom_teachers (teacher_id);
    `);
  },
  async down({ context: { sequelize } }) {
    await sequelize.query(`
      DROP TABLE IF EXISTS classroom_teachers;
      DROP TABLE IF EXISTS users;
      DROP TABLE IF EXISTS classrooms;
    `);
  },
};

module.exports = migration;
