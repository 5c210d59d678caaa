import crypto from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import { skip, type EntitySpec, type ImportContext, type Planned } from './entity';
import { insertRows, updateRows, type Column } from './sql';
import { cleanText, date, fit, iso, str } from './text';
import type { LegacySource } from './source';

/**
 * People (README.md#moving-from-the-old-gema): legacy admins become admins or teachers, students keep
 * their NIS, email and bcrypt hash unchanged, classrooms come from `classrooms` and from every class
 * name students carry.
 */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** the shape the login route accepts as a NIS (api/auth/schemas.ts) */
const NIS = /^[0-9][0-9.\-/]{2,19}$/;
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Emails and NIS already taken in GEMA (and claimed during this run), so duplicates are refused, not crashed on. */
class Identities {
  constructor(
    readonly emails: Map<string, string>,
    readonly nis: Map<string, string>,
  ) {}

  static async load(ctx: ImportContext): Promise<Identities> {
    const rows = await ctx.sequelize.query<{ id: string; email: string | null; student_number: string | null }>(
      'SELECT id, email, student_number FROM users WHERE deleted_at IS NULL',
      { type: QueryTypes.SELECT },
    );
    const emails = new Map<string, string>();
    const nis = new Map<string, string>();
    for (const r of rows) {
      if (r.email) emails.set(r.email, r.id);
      if (r.student_number) nis.set(r.student_number, r.id);
    }
    return new Identities(emails, nis);
  }
}

async function identities(ctx: ImportContext): Promise<Identities> {
  let found = ctx.notes.get('identities') as Identities | undefined;
  if (!found) ctx.notes.set('identities', (found = await Identities.load(ctx)));
  return found;
}

const normEmail = (v: unknown): string | null => {
  const s = str(v)?.trim().toLowerCase();
  return s ? s : null;
};

const USER_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['email', 'text'],
  ['password_hash', 'text'],
  ['name', 'text'],
  ['role', 'text'],
  ['status', 'text'],
  ['email_verified_at', 'timestamptz'],
  ['last_login_at', 'timestamptz'],
  ['classroom_id', 'uuid'],
  ['student_number', 'text'],
  ['phone', 'text'],
  ['avatar_url', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

export interface UserValues {
  linkTo?: string;
  email: string | null;
  password_hash: string;
  name: string;
  role: 'admin' | 'teacher' | 'student';
  status: 'active' | 'suspended';
  email_verified_at: string | null;
  last_login_at: string | null;
  classroom_id: string | null;
  student_number: string | null;
  phone: string | null;
  avatar_url: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * After someone signs in to GEMA API their account is theirs: a later import keeps the password hash
 * (a rehash at login or a changed password) and the later login time instead of the legacy ones. The
 * role and a verification made in GEMA are kept too.
 */
const KEEP_AFTER_GEMA_LOGIN = {
  // set by the first import (or in GEMA since); a linked account is never demoted by a legacy change
  role: 't.role',
  // an address verified in GEMA stays verified
  email_verified_at: 'COALESCE(t.email_verified_at, r.email_verified_at)',
  password_hash: "CASE WHEN t.last_login_at > COALESCE(r.last_login_at, '-infinity') THEN t.password_hash ELSE r.password_hash END",
  last_login_at: 'GREATEST(t.last_login_at, r.last_login_at)',
  created_at: 't.created_at',
};

async function writeUsers(batch: Planned<UserValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<UserValues>) => ({ ...p.values, id: p.newId });
  const fresh = batch.filter((p) => p.isNew && !p.values.linkTo).map(rows);
  const changed = batch.filter((p) => !p.isNew).map(rows);
  await insertRows(ctx.sequelize, tx, 'users', USER_COLUMNS, fresh);
  await updateRows(ctx.sequelize, tx, 'users', USER_COLUMNS, changed, KEEP_AFTER_GEMA_LOGIN);
}

function mustBeTeacher(ctx: ImportContext): Set<string> {
  return (ctx.notes.get('classroom-owners') as Set<string> | undefined) ?? new Set();
}

export const admins: EntitySpec<UserValues> = {
  entity: 'admins',
  table: 'admins',
  required: ['id', 'email', 'password'],
  select: (s) =>
    `SELECT t.id, t.email, t.password, ${s.col('admins', 'name')} AS name, ${s.col('admins', 'role')} AS role,
            ${s.col('admins', 'createdAt')} AS "createdAt", ${s.col('admins', 'updatedAt')} AS "updatedAt"
       FROM admins t ORDER BY t.id`,
  async prepare(ctx) {
    const owners = ctx.source.hasColumn('classrooms', 'teacherId')
      ? await ctx.source.query<{ id: string }>('SELECT DISTINCT "teacherId" AS id FROM classrooms WHERE "teacherId" IS NOT NULL')
      : [];
    ctx.notes.set('classroom-owners', new Set(owners.map((o) => o.id)));
  },
  async map(row, ctx, warn, existing) {
    const email = normEmail(row.email);
    if (!email || !EMAIL.test(email) || email.length > 254) return skip('bad_email');
    const ids = await identities(ctx);
    const holder = ids.emails.get(email);
    let linkTo: string | undefined;
    if (holder && holder !== existing) {
      // the school's first GEMA admin usually has the same address as in the old app: one account, not two
      linkTo = holder;
      warn('linked_to_existing_account');
    }
    const password = str(row.password) ?? '';
    if (!BCRYPT.test(password)) warn('unusable_password_hash');
    const legacyRole = (str(row.role) ?? 'ADMIN').trim().toUpperCase();
    const { adminsAs } = ctx.options;
    const teacher =
      legacyRole === 'TEACHER' ||
      legacyRole === 'GURU' ||
      adminsAs === 'teachers' ||
      (adminsAs === 'owners-are-teachers' && mustBeTeacher(ctx).has(String(row.id)) && legacyRole !== 'SUPER_ADMIN');
    const created = iso(row.createdAt) ?? new Date().toISOString();
    ids.emails.set(email, linkTo ?? existing ?? `legacy:${String(row.id)}`);
    return {
      linkTo,
      email,
      password_hash: password,
      name: fit(cleanText(row.name, warn)?.trim() || email, 120, warn)!,
      role: teacher ? 'teacher' : 'admin',
      status: 'active',
      email_verified_at: created,
      last_login_at: null,
      classroom_id: null,
      student_number: null,
      phone: null,
      avatar_url: null,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writeUsers,
  legacyKey: (row) => [normEmail(row.email)],
  gemaKeys: `SELECT m.legacy_id, ARRAY[u.email]::text[] AS k
               FROM legacy_import_map m JOIN users u ON u.id = m.new_id WHERE m.entity = 'admins'`,
};

/** "2025/2026" for a date in the school year that starts in July (the Indonesian calendar). */
export function schoolYearOf(d: Date): string {
  const y = d.getUTCFullYear();
  const start = d.getUTCMonth() >= 6 ? y : y - 1;
  return `${start}/${start + 1}`;
}

const normClass = (v: unknown) => (str(v) ?? '').trim().replace(/\s+/g, ' ').toLowerCase();

interface ClassroomValues {
  linkTo?: string;
  assignId?: string;
  name: string;
  academic_year: string;
  teacher_id: string | null;
  created_at: string;
  updated_at: string;
}

const CLASSROOM_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['name', 'text'],
  ['academic_year', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

/** normalised class name → classroom id, for every classroom this run knows (legacy rows and GEMA's own) */
async function classroomNames(ctx: ImportContext): Promise<Map<string, string>> {
  let names = ctx.notes.get('classroom-names') as Map<string, string> | undefined;
  if (!names) {
    const rows = await ctx.sequelize.query<{ id: string; name: string }>(
      'SELECT id, name FROM classrooms WHERE academic_year = $1 AND archived_at IS NULL',
      { bind: [ctx.options.academicYear], type: QueryTypes.SELECT },
    );
    names = new Map(rows.map((r) => [normClass(r.name), r.id]));
    ctx.notes.set('classroom-names', names);
  }
  return names;
}

async function writeClassrooms(batch: Planned<ClassroomValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<ClassroomValues>) => ({ ...p.values, id: p.newId });
  await insertRows(ctx.sequelize, tx, 'classrooms', CLASSROOM_COLUMNS, batch.filter((p) => p.isNew && !p.values.linkTo).map(rows));
  await updateRows(ctx.sequelize, tx, 'classrooms', CLASSROOM_COLUMNS, batch.filter((p) => !p.isNew).map(rows), {
    academic_year: 't.academic_year',
    created_at: 't.created_at',
  });
  const teachers = batch.filter((p) => p.values.teacher_id).map((p) => ({ classroom_id: p.newId, teacher_id: p.values.teacher_id }));
  await insertRows(
    ctx.sequelize,
    tx,
    'classroom_teachers',
    [
      ['classroom_id', 'uuid'],
      ['teacher_id', 'uuid'],
    ],
    teachers,
    'ON CONFLICT DO NOTHING',
  );
}

export const classrooms: EntitySpec<ClassroomValues> = {
  entity: 'classrooms',
  table: 'classrooms',
  required: ['id', 'title'],
  select: (s) =>
    `SELECT t.id, t.title, ${s.col('classrooms', 'slug')} AS slug, ${s.col('classrooms', 'teacherId')} AS "teacherId",
            ${s.col('classrooms', 'createdAt')} AS "createdAt", ${s.col('classrooms', 'updatedAt')} AS "updatedAt"
       FROM classrooms t ORDER BY t.id`,
  async map(row, ctx, warn, existing) {
    const name = fit(cleanText(row.title, warn)?.trim().replace(/\s+/g, ' ') ?? '', 100, warn);
    if (!name) return skip('missing_title');
    const names = await classroomNames(ctx);
    const holder = names.get(normClass(name));
    let linkTo: string | undefined;
    if (holder && holder !== existing) {
      linkTo = holder;
      warn('linked_to_existing_classroom');
    }
    let teacherId: string | null = null;
    if (row.teacherId) {
      teacherId = (await ctx.resolve('admins', row.teacherId)) ?? null;
      if (!teacherId) warn('teacher_missing');
    }
    const id = linkTo ?? existing ?? crypto.randomUUID();
    names.set(normClass(name), id);
    const slug = normClass(row.slug);
    if (slug && !names.has(slug)) names.set(slug, id);
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      linkTo,
      assignId: id,
      name,
      academic_year: ctx.options.academicYear,
      teacher_id: teacherId,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writeClassrooms,
  legacyKey: (row) => [str(row.title)?.trim().replace(/\s+/g, ' ') ?? null],
  gemaKeys: `SELECT m.legacy_id, ARRAY[c.name]::text[] AS k
               FROM legacy_import_map m JOIN classrooms c ON c.id = m.new_id WHERE m.entity = 'classrooms'`,
};

/** Every distinct `students.class`: the class of a `classrooms` row with that title or slug, or a classroom of its own. */
export const classNames: EntitySpec<ClassroomValues> = {
  entity: 'class_names',
  table: 'students',
  required: ['class'],
  select: () => `SELECT DISTINCT t.class AS id FROM students t WHERE btrim(t.class) <> '' ORDER BY 1`,
  count: async (s: LegacySource) =>
    (await s.query<{ n: number }>(`SELECT count(DISTINCT class)::int AS n FROM students WHERE btrim(class) <> ''`))[0]!.n,
  async map(row, ctx, warn, existing) {
    const name = fit(cleanText(row.id, warn)?.trim().replace(/\s+/g, ' ') ?? '', 100, warn)!;
    const names = await classroomNames(ctx);
    const holder = names.get(normClass(name));
    const now = new Date().toISOString();
    const values = { name, academic_year: ctx.options.academicYear, teacher_id: null, created_at: now, updated_at: now };
    // the class of a classroom row (by title or slug), or of a variant spelling met earlier ("XI-A", " xi-a")
    if (holder && holder !== existing) return { ...values, linkTo: holder };
    if (existing) return { ...values, linkTo: existing };
    warn('classroom_made_from_class_name');
    const id = crypto.randomUUID();
    names.set(normClass(name), id);
    return { ...values, assignId: id };
  },
  async write(batch, tx, ctx) {
    const fresh = batch.filter((p) => p.isNew && !p.values.linkTo).map((p) => ({ ...p.values, id: p.newId }));
    await insertRows(ctx.sequelize, tx, 'classrooms', CLASSROOM_COLUMNS, fresh);
  },
  // the class name leads to a classroom that exists
  legacyKey: (row) => [String(row.id)],
  gemaKeys: `SELECT m.legacy_id, ARRAY[m.legacy_id]::text[] AS k
               FROM legacy_import_map m JOIN classrooms c ON c.id = m.new_id WHERE m.entity = 'class_names'`,
};

const STATUS: Record<string, 'active' | 'suspended'> = { active: 'active', suspended: 'suspended', inactive: 'suspended' };

function studentSelect(s: LegacySource): string {
  const c = (name: string) => `${s.col('students', name)} AS "${name}"`;
  return `SELECT t.id, t."studentId", ${['email', 'password', 'fullName', 'class', 'phone', 'status', 'isVerified', 'profileImage', 'joinedAt', 'lastLoginAt', 'createdAt', 'updatedAt'].map(c).join(', ')}
            FROM students t ORDER BY t.id`;
}

export const students: EntitySpec<UserValues> = {
  entity: 'students',
  table: 'students',
  required: ['id', 'studentId', 'password'],
  select: studentSelect,
  async map(row, ctx, warn, existing) {
    const ids = await identities(ctx);
    const self = existing ?? `legacy:${String(row.id)}`;
    let nis = str(row.studentId)?.trim() || null;
    if (nis && nis.length > 20) {
      warn('nis_too_long_dropped');
      nis = null;
    } else if (nis && !NIS.test(nis)) warn('nis_not_accepted_by_login');
    if (nis && ids.nis.has(nis) && ids.nis.get(nis) !== self) return skip('duplicate_nis');
    let email = normEmail(row.email);
    if (email && (!EMAIL.test(email) || email.length > 254)) {
      if (!nis) return skip('bad_email');
      warn('bad_email_dropped');
      email = null;
    }
    if (email && ids.emails.has(email) && ids.emails.get(email) !== self) {
      if (!nis) return skip('duplicate_email');
      warn('duplicate_email_dropped');
      email = null;
    }
    if (!email && !nis) return skip('missing_identifier');
    const password = str(row.password) ?? '';
    if (!BCRYPT.test(password)) warn('unusable_password_hash');
    const status = STATUS[(str(row.status) ?? 'active').trim().toLowerCase()];
    if (!status) warn('unknown_status_as_active');
    if (row.status === 'inactive') warn('inactive_as_suspended');
    let classroomId: string | null = null;
    if (str(row.class)?.trim()) {
      classroomId = (await ctx.resolve('class_names', row.class)) ?? null;
      if (!classroomId) warn('class_not_imported');
    }
    const created = iso(row.createdAt) ?? iso(row.joinedAt) ?? new Date().toISOString();
    // a student with only a NIS cannot verify an address; one with an unverified address verifies it in GEMA
    const verified = row.isVerified === true || !email;
    if (!verified) warn('email_not_verified');
    if (nis) ids.nis.set(nis, self);
    if (email) ids.emails.set(email, self);
    const phone = cleanText(row.phone, warn)?.trim() || null;
    return {
      email,
      password_hash: password,
      name: fit(cleanText(row.fullName, warn)?.trim() || nis || email!, 120, warn)!,
      role: 'student',
      status: status ?? 'active',
      email_verified_at: verified ? (iso(row.joinedAt) ?? created) : null,
      last_login_at: iso(row.lastLoginAt),
      classroom_id: classroomId?.startsWith('pending:') ? null : classroomId,
      student_number: nis,
      phone: phone && phone.length > 20 ? (warn('phone_too_long_dropped'), null) : phone,
      avatar_url: fit(str(row.profileImage)?.trim() || null, 500, warn),
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writeUsers,
  legacyKey: (row) => [str(row.studentId)?.trim() ?? null, date(row.createdAt)?.toISOString() ?? null],
  gemaKeys: `SELECT m.legacy_id,
                    ARRAY[u.student_number, to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')]::text[] AS k
               FROM legacy_import_map m JOIN users u ON u.id = m.new_id WHERE m.entity = 'students'`,
};
