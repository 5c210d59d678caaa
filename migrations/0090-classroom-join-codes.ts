import type { Migration } from '../common/db/migrator';
import { newJoinCode } from '../common/people/join-codes';

/**
 * Classroom join codes (README.md#classroom-join-codes): a student joins a classroom only with its
 * current code. Every existing classroom gets one; NULL means joining by code is switched off.
 */
const migration: Migration = {
  async up({ context: { sequelize } }) {
    await sequelize.query(`
      ALTER TABLE classrooms ADD COLUMN join_code text
        CONSTRAINT classrooms_join_code_format CHECK (join_code ~ '^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$');
      CREATE UNIQUE INDEX classrooms_join_code_key ON classrooms (join_code) WHERE join_code IS NOT NULL;
    `);
    const [rows] = await sequelize.query('SELECT id FROM classrooms');
    for (const { id } of rows as { id: string }[]) {
      await sequelize.query('UPDATE classrooms SET join_code = $code WHERE id = $id', { bind: { id, code: newJoinCode() } });
    }
  },
  async down({ context: { sequelize } }) {
    await sequelize.query('ALTER TABLE classrooms DROP COLUMN IF EXISTS join_code;');
  },
};

module.exports = migration;
