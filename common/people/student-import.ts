import type { Redis } from 'ioredis';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { AuditEntry } from '../models';
import type { Queues } from '../queues';
import type { Logger } from '../logger';
import { revokeSessionsOfUsers } from '../auth/session-deny-list';
import { emailSchema, NIS_PATTERN, type ImportRow } from './student-csv';
import { invalidateAllStudents } from '../learning/student-cache-versions';

/**
 * Bulk student import (README.md#admin-bulk-import-and-export): plan every row against the file and
 * the school in a few queries, then write all of it or nothing, one statement per batch of rows.
 * The API runs small files inline and the `student-import` worker runs large ones, both through here.
 */

export const IMPORT_REFUSALS = [
  'missing_name',
  'bad_email',
  'bad_nis',
  'missing_identifier',
  'duplicate_in_file',
  'duplicate_in_school',
  'unknown_classroom',
  'no_password',
] as const;
export type ImportRefusal = (typeof IMPORT_REFUSALS)[number];

export interface RowResult {
  line: number;
  status: 'created' | 'updated' | 'refused';
  reasons?: ImportRefusal[];
  name: string;
  nis: string | null;
  email: string | null;
  classroom: string | null;
  /** the student it updates; a created student's id is known only after the write */
  studentId?: string;
}

interface PlannedCreate {
  name: string;
  nis: string | null;
  email: string | null;
  classroomId: string | null;
}
interface PlannedUpdate extends PlannedCreate {
  id: string;
  classroomChanged: boolean;
}

export interface ImportPlan {
  results: RowResult[];
  creates: PlannedCreate[];
  updates: PlannedUpdate[];
  refused: number;
}

export interface ImportActor {
  id: string;
  role: 'teacher' | 'admin';
}

interface ExistingUser {
  id: string;
  email: string | null;
  student_number: string | null;
  role: string;
  classroom_id: string | null;
}

const lower = (s: string) => s.trim().toLowerCase();

function counts(values: (string | null)[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) if (v) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/**
 * Decides each row: created, updated (matched by NIS or email to a student the actor may manage),
 * or refused with every reason that applies. Reads the school in three statements, writes nothing.
 */
export async function planImport(
  sequelize: Sequelize,
  rows: ImportRow[],
  actor: ImportActor,
  opts: { hasInitialPassword: boolean },
  transaction?: Transaction,
): Promise<ImportPlan> {
  const taught =
    actor.role === 'teacher'
      ? new Set(
          (
            await sequelize.query<{ classroom_id: string }>('SELECT classroom_id FROM classroom_teachers WHERE teacher_id = $1', {
              bind: [actor.id],
              type: QueryTypes.SELECT,
              transaction,
            })
          ).map((r) => r.classroom_id),
        )
      : null;

  const names = [
    ...new Set(
      rows
        .map((r) => r.classroom)
        .filter((c): c is string => c !== null)
        .map(lower),
    ),
  ];
  const classrooms = await sequelize.query<{ id: string; key: string }>(
    'SELECT id, lower(name) AS key FROM classrooms WHERE archived_at IS NULL AND lower(name) = ANY($1::text[])',
    { bind: [names], type: QueryTypes.SELECT, transaction },
  );
  // a name shared by two live classrooms (two school years) is ambiguous, so it names none
  const classroomByName = new Map<string, string | null>();
  for (const c of classrooms) {
    if (taught && !taught.has(c.id)) continue;
    classroomByName.set(c.key, classroomByName.has(c.key) ? null : c.id);
  }

  const emails = [...new Set(rows.map((r) => r.email).filter((e): e is string => e !== null))];
  const nisList = [...new Set(rows.map((r) => r.nis).filter((n): n is string => n !== null))];
  const existing = await sequelize.query<ExistingUser>(
    `SELECT id, email, student_number, role, classroom_id FROM users
     WHERE deleted_at IS NULL AND (email = ANY($1::text[]) OR student_number = ANY($2::text[]))`,
    { bind: [emails, nisList], type: QueryTypes.SELECT, transaction },
  );
  const byEmail = new Map(existing.filter((u) => u.email).map((u) => [u.email!, u]));
  const byNis = new Map(existing.filter((u) => u.student_number).map((u) => [u.student_number!, u]));

  const emailCounts = counts(rows.map((r) => r.email));
  const nisCounts = counts(rows.map((r) => r.nis));

  const plan: ImportPlan = { results: [], creates: [], updates: [], refused: 0 };
  for (const row of rows) {
    const reasons: ImportRefusal[] = [];
    if (!row.name) reasons.push('missing_name');
    if (row.email && emailSchema.validate(row.email).error) reasons.push('bad_email');
    if (row.nis && !NIS_PATTERN.test(row.nis)) reasons.push('bad_nis');
    if (!row.email && !row.nis) reasons.push('missing_identifier');
    if ((row.email && emailCounts.get(row.email)! > 1) || (row.nis && nisCounts.get(row.nis)! > 1)) reasons.push('duplicate_in_file');

    let classroomId: string | null = null;
    if (row.classroom) {
      classroomId = classroomByName.get(lower(row.classroom)) ?? null;
      if (!classroomId) reasons.push('unknown_classroom');
    } else if (taught) {
      reasons.push('unknown_classroom'); // a teacher places every student in one of their classrooms
    }

    const matchNis = row.nis ? byNis.get(row.nis) : undefined;
    const matchEmail = row.email ? byEmail.get(row.email) : undefined;
    const match = matchNis ?? matchEmail;
    if (match) {
      const conflicting = matchNis && matchEmail && matchNis.id !== matchEmail.id;
      const foreign = match.role !== 'student' || (taught && !(match.classroom_id && taught.has(match.classroom_id)));
      if (conflicting || foreign) reasons.push('duplicate_in_school');
    } else if (!row.email && !opts.hasInitialPassword) {
      reasons.push('no_password');
    }

    const base = { line: row.line, name: row.name, nis: row.nis, email: row.email, classroom: row.classroom };
    if (reasons.length) {
      plan.refused++;
      plan.results.push({ ...base, status: 'refused', reasons: [...new Set(reasons)] });
    } else if (match) {
      plan.updates.push({
        id: match.id,
        name: row.name,
        nis: row.nis,
        email: row.email,
        classroomId,
        classroomChanged: classroomId !== null && classroomId !== match.classroom_id,
      });
      plan.results.push({ ...base, status: 'updated', studentId: match.id });
    } else {
      plan.creates.push({ name: row.name, nis: row.nis, email: row.email, classroomId });
      plan.results.push({ ...base, status: 'created' });
    }
  }
  return plan;
}

export interface ApplyDeps {
  sequelize: Sequelize;
  redis: Redis;
  queues: Queues;
  logger: Logger;
  redisPrefix: string;
  accessTtlSeconds: number;
}

export interface ImportSummary {
  created: number;
  updated: number;
  invited: number;
  sessionsRevoked: number;
}

export const IMPORT_BATCH_ROWS = 1000;

/**
 * Writes a plan with no refusals in one transaction, one INSERT and one UPDATE statement per batch
 * (arrays bound through unnest, so a batch is one round trip whatever its size). Students with an
 * email are invited; those without get the import's initial password and must change it.
 */
export async function applyImport(
  deps: ApplyDeps,
  plan: ImportPlan,
  actor: ImportActor,
  initialPasswordHash: string | null,
  onProgress: (done: number, total: number) => Promise<void> | void = () => undefined,
): Promise<ImportSummary> {
  if (plan.refused > 0) throw new Error('applyImport was given a plan with refused rows');
  const total = plan.creates.length + plan.updates.length;
  let done = 0;
  const invite: string[] = [];
  await deps.sequelize.transaction(async (transaction) => {
    for (let i = 0; i < plan.creates.length; i += IMPORT_BATCH_ROWS) {
      const batch = plan.creates.slice(i, i + IMPORT_BATCH_ROWS);
      const inserted = await deps.sequelize.query<{ id: string; email: string | null }>(
        `INSERT INTO users (name, email, student_number, classroom_id, role, password_hash, email_verified_at, must_change_password)
         SELECT v.name, v.email, v.nis, v.classroom_id, 'student',
                CASE WHEN v.email IS NULL THEN $5 ELSE '!invited:' || md5(gen_random_uuid()::text) END,
                now(), v.email IS NULL
         FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) AS v(name, email, nis, classroom_id)
         RETURNING id, email`,
        {
          bind: [batch.map((r) => r.name), batch.map((r) => r.email), batch.map((r) => r.nis), batch.map((r) => r.classroomId), initialPasswordHash],
          type: QueryTypes.SELECT,
          transaction,
        },
      );
      for (const u of inserted) if (u.email) invite.push(u.id);
      done += batch.length;
      await onProgress(done, total);
    }
    for (let i = 0; i < plan.updates.length; i += IMPORT_BATCH_ROWS) {
      const batch = plan.updates.slice(i, i + IMPORT_BATCH_ROWS);
      await deps.sequelize.query(
        `UPDATE users u SET name = v.name, email = coalesce(v.email, u.email), student_number = coalesce(v.nis, u.student_number),
                classroom_id = coalesce(v.classroom_id, u.classroom_id), updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[]) AS v(id, name, email, nis, classroom_id)
         WHERE u.id = v.id`,
        {
          bind: [
            batch.map((r) => r.id),
            batch.map((r) => r.name),
            batch.map((r) => r.email),
            batch.map((r) => r.nis),
            batch.map((r) => r.classroomId),
          ],
          transaction,
        },
      );
      done += batch.length;
      await onProgress(done, total);
    }
    // many students' classrooms may have moved: every cached student page goes
    await invalidateAllStudents(transaction);
    await AuditEntry.record(
      { type: 'students_imported', userId: actor.id, details: { created: plan.creates.length, updated: plan.updates.length } },
      transaction,
    );
  });

  // moving a student to another classroom takes effect at once, as it does one by one
  const moved = plan.updates.filter((u) => u.classroomChanged).map((u) => u.id);
  const sessionsRevoked = await revokeSessionsOfUsers(
    { sequelize: deps.sequelize, redis: deps.redis, prefix: deps.redisPrefix, accessTtlSeconds: deps.accessTtlSeconds },
    moved,
    'admin',
  );
  await inviteAll(deps, invite);
  return { created: plan.creates.length, updated: plan.updates.length, invited: invite.length, sessionsRevoked };
}

async function inviteAll(deps: ApplyDeps, userIds: string[]): Promise<void> {
  try {
    for (let i = 0; i < userIds.length; i += IMPORT_BATCH_ROWS) {
      await deps.queues.email.addBulk(
        userIds.slice(i, i + IMPORT_BATCH_ROWS).map((userId) => ({ name: 'email', data: { template: 'invitation', userId } })),
      );
    }
  } catch (err) {
    // the students exist; staff can send each link again with reset-password
    deps.logger.warn('import invitations not all enqueued', { count: userIds.length, error: (err as Error).message });
  }
}
