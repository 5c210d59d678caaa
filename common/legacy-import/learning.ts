import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { QueryTypes, type Transaction } from 'sequelize';
import { skip, type EntitySpec, type ImportContext, type Planned } from './entity';
import { insertRows, updateRows, type Column } from './sql';
import { cleanText, date, fit, iso, num, parseJsonText, str } from './text';
import type { LegacySource } from './source';
import type { Storage } from '../storage/types';

/**
 * Assignments, submissions and grades (README.md#moving-from-the-old-gema). Legacy assignments were for
 * every class, out of 100; a submission carried one file, kept as an external reference (Cloudinary)
 * or copied into GEMA's storage (a readable local path), or recorded as missing.
 */

const DAY_MS = 86_400_000;

interface AssignmentValues {
  title: string;
  description: string;
  due_at: string;
  accept_late: boolean;
  allowed_file_types: string[];
  max_file_bytes: number;
  status: 'draft' | 'published';
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const ASSIGNMENT_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['title', 'text'],
  ['description', 'text'],
  ['kind', 'text'],
  ['due_at', 'timestamptz'],
  ['max_points', 'integer'],
  ['accept_late', 'boolean'],
  ['allowed_file_types', 'varchar(100)[]'],
  ['max_file_bytes', 'integer'],
  ['status', 'text'],
  ['created_by', 'uuid'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

function instructionsText(value: unknown, warn: (code: string) => void): string | null {
  // instructions were meant to be JSON but plain text is common: not worth a warning
  const parsed = parseJsonText(value, (code) => code !== 'bad_json' && warn(code));
  if (parsed === null) return cleanText(value, warn)?.trim() || null;
  if (typeof parsed === 'string') return cleanText(parsed, warn)?.trim() || null;
  if (Array.isArray(parsed)) return parsed.map((p) => cleanText(typeof p === 'string' ? p : JSON.stringify(p), warn)).join('\n');
  return cleanText(JSON.stringify(parsed), warn);
}

export const assignments: EntitySpec<AssignmentValues> = {
  entity: 'assignments',
  table: 'assignments',
  required: ['id', 'title', 'dueDate'],
  select: (s) => {
    const c = (n: string) => `${s.col('assignments', n)} AS "${n}"`;
    return `SELECT t.id, t.title, t."dueDate", ${['description', 'subject', 'status', 'instructions', 'allowedFileTypes', 'maxFileSize', 'createdBy', 'createdAt', 'updatedAt'].map(c).join(', ')}
              FROM assignments t ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    const title = fit(cleanText(row.title, warn)?.trim() || null, 200, warn);
    if (!title) return skip('missing_title');
    const due = iso(row.dueDate);
    if (!due) return skip('missing_due_date');
    const parts = [cleanText(row.description, warn)?.trim(), instructionsText(row.instructions, warn)];
    const subject = cleanText(row.subject, warn)?.trim();
    if (subject) parts.unshift(`Subject: ${subject}`);
    const types = (str(row.allowedFileTypes) ?? 'pdf,doc,docx,ppt,pptx')
      .split(',')
      .map((t) => t.trim().toLowerCase().replace(/^\./, ''))
      .filter((t) => /^[a-z0-9]{1,10}$/.test(t));
    const bytes = num(row.maxFileSize) ?? 10_485_760;
    let createdBy: string | null = null;
    if (row.createdBy) {
      createdBy = (await ctx.resolve('admins', row.createdBy)) ?? null;
      if (!createdBy) warn('author_missing');
    }
    const status = (str(row.status) ?? 'active').trim().toLowerCase();
    const created = iso(row.createdAt) ?? due;
    return {
      title,
      description: parts.filter(Boolean).join('\n\n'),
      due_at: due,
      // the old app took late work and flagged it; a closed assignment took none
      accept_late: status !== 'closed',
      allowed_file_types: [...new Set(types)].slice(0, 30),
      max_file_bytes: bytes > 0 && bytes < 2 ** 31 ? Math.round(bytes) : 10_485_760,
      status: status === 'upcoming' ? 'draft' : 'published',
      created_by: createdBy,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  async write(batch, tx, ctx) {
    const rows = (p: Planned<AssignmentValues>) => ({ ...p.values, id: p.newId, kind: 'file', max_points: 100 });
    await insertRows(ctx.sequelize, tx, 'assignments', ASSIGNMENT_COLUMNS, batch.filter((p) => p.isNew).map(rows));
    await updateRows(ctx.sequelize, tx, 'assignments', ASSIGNMENT_COLUMNS, batch.filter((p) => !p.isNew).map(rows), {
      kind: 't.kind',
      max_points: 't.max_points',
    });
  },
  legacyKey: (row) => [iso(row.dueDate)],
  gemaKeys: `SELECT m.legacy_id, ARRAY[to_char(a.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')]::text[] AS k
               FROM legacy_import_map m JOIN assignments a ON a.id = m.new_id WHERE m.entity = 'assignments'`,
};

type FileState = 'external' | 'copied' | 'missing';
interface SubmissionFile {
  source_path: string;
  original_name: string;
  mime_type: string | null;
  size: number | null;
  state: FileState;
  /** the readable local file, copied at write time */
  local?: string;
}

interface SubmissionValues {
  assignment_id: string;
  student_id: string;
  attempt: number;
  status: 'submitted' | 'late' | 'graded' | 'returned';
  submitted_at: string;
  days_late: number;
  grade: number | null;
  raw_grade: number | null;
  feedback: string | null;
  graded_by: string | null;
  graded_at: string | null;
  created_at: string;
  updated_at: string;
  file: SubmissionFile | null;
}

const SUBMISSION_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['assignment_id', 'uuid'],
  ['student_id', 'uuid'],
  ['attempt', 'integer'],
  ['status', 'text'],
  ['submitted_at', 'timestamptz'],
  ['days_late', 'integer'],
  ['grade', 'double precision'],
  ['raw_grade', 'double precision'],
  ['feedback', 'text'],
  ['graded_by', 'uuid'],
  ['graded_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

const FILE_COLUMNS: readonly Column[] = [
  ['submission_id', 'uuid'],
  ['source_path', 'text'],
  ['original_name', 'text'],
  ['mime_type', 'text'],
  ['size', 'bigint'],
  ['state', 'text'],
  ['file_id', 'uuid'],
];

async function readable(file: string): Promise<boolean> {
  try {
    const st = await fs.stat(file);
    return st.isFile();
  } catch {
    return false;
  }
}

/** Where a legacy local path is on this machine: under `--files-root` when given (the old app's `public/`), else as written. */
function localPath(source: string, root: string | undefined): string | null {
  if (root) return path.join(root, path.normalize(`/${source}`));
  return path.isAbsolute(source) ? source : null;
}

async function fileOf(row: Record<string, unknown>, ctx: ImportContext, warn: (code: string) => void): Promise<SubmissionFile | null> {
  const source = str(row.filePath)?.trim();
  if (!source) return null;
  const original = fit(cleanText(row.originalFileName ?? row.fileName, warn)?.trim() || path.basename(source), 255, warn)!;
  const base = { source_path: source, original_name: original, mime_type: fit(str(row.mimeType), 127, warn), size: num(row.fileSize) };
  if (/^https?:\/\//i.test(source)) return { ...base, state: 'external' };
  const local = localPath(source, ctx.options.filesRoot);
  if (local && (await readable(local))) return { ...base, state: 'copied', local };
  warn('file_missing');
  return { ...base, state: 'missing' };
}

/** Copies a readable legacy file into storage and makes its `files` row (one per content per owner). */
async function copyFile(p: Planned<SubmissionValues>, tx: Transaction, ctx: ImportContext): Promise<string | null> {
  const file = p.values.file!;
  const storage = ctx.notes.get('storage') as Storage | undefined;
  if (!storage || !file.local) return null;
  const bytes = await fs.readFile(file.local);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const id = crypto.randomUUID();
  const key = `${p.values.student_id}/${id}`;
  const [found] = await ctx.sequelize.query<{ id: string }>('SELECT id FROM files WHERE owner_id = $1 AND sha256 = $2', {
    bind: [p.values.student_id, sha256],
    type: QueryTypes.SELECT,
    transaction: tx,
  });
  if (found) return found.id;
  await storage.put(key, bytes, file.mime_type ?? 'application/octet-stream');
  await ctx.sequelize.query(
    `INSERT INTO files (id, owner_id, storage_driver, storage_key, original_name, mime_type, size, sha256, status, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ready', '{"legacy": true}'::jsonb)`,
    {
      bind: [id, p.values.student_id, storage.driver, key, file.original_name, file.mime_type ?? 'application/octet-stream', bytes.length, sha256],
      transaction: tx,
    },
  );
  return id;
}

/**
 * Attempts are numbered by the legacy submission time per student and assignment; a new one lands after
 * those GEMA already holds (GREATEST of two sequences rising with the legacy order stays unique).
 */
async function insertSubmissions(ctx: ImportContext, tx: Transaction, rows: Record<string, unknown>[]): Promise<void> {
  if (!rows.length) return;
  const names = SUBMISSION_COLUMNS.map(([n]) => n).filter((n) => n !== 'attempt');
  await ctx.sequelize.query(
    `INSERT INTO submissions (attempt, ${names.join(', ')})
     SELECT GREATEST(r.attempt, COALESCE(e.top, 0) + row_number() OVER (PARTITION BY r.assignment_id, r.student_id ORDER BY r.attempt)),
            ${names.map((n) => `r.${n}`).join(', ')}
       FROM jsonb_to_recordset($1::jsonb) AS r(${SUBMISSION_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})
       LEFT JOIN LATERAL (SELECT max(s.attempt) AS top FROM submissions s WHERE s.assignment_id = r.assignment_id AND s.student_id = r.student_id) e ON true`,
    { bind: [JSON.stringify(rows)], transaction: tx },
  );
}

export const submissions: EntitySpec<SubmissionValues> = {
  entity: 'submissions',
  table: 'submissions',
  required: ['id', 'assignmentId', 'studentId'],
  async prepare(ctx) {
    const due = ctx.source.hasColumn('assignments', 'dueDate')
      ? await ctx.source.query<{ id: string; dueDate: Date | null }>('SELECT id, "dueDate" FROM assignments')
      : [];
    ctx.notes.set('due-dates', new Map(due.map((d) => [d.id, d.dueDate])));
  },
  select: (s: LegacySource) => {
    const c = (n: string) => `${s.col('submissions', n)} AS "${n}"`;
    const cols = [
      'fileName',
      'originalFileName',
      'filePath',
      'fileSize',
      'mimeType',
      'submittedAt',
      'status',
      'grade',
      'feedback',
      'reviewedAt',
      'reviewedBy',
      'isLate',
      'createdAt',
      'updatedAt',
    ];
    return `SELECT t.id, t."assignmentId", t."studentId", ${cols.map(c).join(', ')},
                   row_number() OVER (PARTITION BY t."assignmentId", t."studentId" ORDER BY ${s.col('submissions', 'submittedAt')}, t.id)::int AS attempt
              FROM submissions t
             -- a student's attempts at one assignment arrive together and in order, whatever the batch size
             ORDER BY t."assignmentId", t."studentId", attempt`;
  },
  async map(row, ctx, warn) {
    const assignmentId = await ctx.resolve('assignments', row.assignmentId);
    if (!assignmentId) return skip('orphan_assignment');
    const studentId = await ctx.resolve('students', row.studentId);
    if (!studentId) return skip('orphan_student');
    const submittedAt = date(row.submittedAt) ?? date(row.createdAt) ?? new Date();
    const due = (ctx.notes.get('due-dates') as Map<string, Date | null>).get(String(row.assignmentId));
    const late = row.isLate === true || str(row.status) === 'late';
    const daysLate = late && due ? Math.max(1, Math.ceil((submittedAt.getTime() - due.getTime()) / DAY_MS)) : 0;
    let grade = num(row.grade);
    if (grade !== null && (!Number.isFinite(grade) || grade < 0)) {
      warn('bad_grade_dropped');
      grade = null;
    }
    let gradedBy: string | null = null;
    if (row.reviewedBy) {
      gradedBy = (await ctx.resolve('admins', row.reviewedBy)) ?? null;
      if (!gradedBy) warn('grader_missing');
    }
    const legacyStatus = str(row.status)?.trim().toLowerCase();
    const status = grade !== null ? 'graded' : legacyStatus === 'reviewed' || legacyStatus === 'graded' ? 'returned' : late ? 'late' : 'submitted';
    const created = iso(row.createdAt) ?? submittedAt.toISOString();
    return {
      assignment_id: assignmentId,
      student_id: studentId,
      // row_number() in the select: never NULL
      attempt: Number(row.attempt),
      status,
      submitted_at: submittedAt.toISOString(),
      days_late: daysLate,
      grade,
      raw_grade: grade,
      feedback: cleanText(row.feedback, warn),
      graded_by: gradedBy,
      graded_at: iso(row.reviewedAt) ?? (grade !== null ? iso(row.updatedAt) : null),
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
      file: await fileOf(row, ctx, warn),
    };
  },
  async write(batch, tx, ctx) {
    const rows = (p: Planned<SubmissionValues>) => ({ ...p.values, id: p.newId, file: undefined });
    await insertSubmissions(ctx, tx, batch.filter((p) => p.isNew).map(rows));
    // an attempt keeps its number: a legacy row deleted since would otherwise renumber the others into a clash
    await updateRows(ctx.sequelize, tx, 'submissions', SUBMISSION_COLUMNS, batch.filter((p) => !p.isNew).map(rows), { attempt: 't.attempt' });
    const files: Record<string, unknown>[] = [];
    const links: Record<string, unknown>[] = [];
    for (const p of batch) {
      const file = p.values.file;
      if (!file) continue;
      const fileId = file.state === 'copied' ? await copyFile(p, tx, ctx) : null;
      if (fileId) links.push({ submission_id: p.newId, file_id: fileId, position: 0 });
      files.push({ ...file, local: undefined, submission_id: p.newId, file_id: fileId });
    }
    await insertRows(
      ctx.sequelize,
      tx,
      'legacy_submission_files',
      FILE_COLUMNS,
      files,
      `ON CONFLICT (submission_id) DO UPDATE
      SET source_path = EXCLUDED.source_path, original_name = EXCLUDED.original_name, mime_type = EXCLUDED.mime_type,
          size = EXCLUDED.size, state = EXCLUDED.state, file_id = EXCLUDED.file_id`,
    );
    await insertRows(
      ctx.sequelize,
      tx,
      'submission_files',
      [
        ['submission_id', 'uuid'],
        ['file_id', 'uuid'],
        ['position', 'smallint'],
      ],
      links,
      'ON CONFLICT DO NOTHING',
    );
  },
  legacyKey: (row) => [str(row.assignmentId), str(row.studentId), num(row.grade)?.toString() ?? null, iso(row.submittedAt)],
  gemaKeys: `SELECT m.legacy_id,
                    ARRAY[a.legacy_id, st.legacy_id, s.grade::text,
                          to_char(s.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')]::text[] AS k
               FROM legacy_import_map m
               JOIN submissions s ON s.id = m.new_id
               LEFT JOIN legacy_import_map a ON a.entity = 'assignments' AND a.new_id = s.assignment_id
               LEFT JOIN legacy_import_map st ON st.entity = 'students' AND st.new_id = s.student_id
              WHERE m.entity = 'submissions'`,
};

interface GradeValues {
  submission_id: string;
  grade: number | null;
  raw_grade: number | null;
  feedback: string | null;
  graded_by: string | null;
  graded_at: string;
}

const GRADE_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['submission_id', 'uuid'],
  ['grade', 'double precision'],
  ['raw_grade', 'double precision'],
  ['feedback', 'text'],
  ['status', 'text'],
  ['graded_by', 'uuid'],
  ['graded_at', 'timestamptz'],
];

/** `grades` rows of submissions become their grading history; grades of activities and quizzes have no home. */
export const grades: EntitySpec<GradeValues> = {
  entity: 'grades',
  table: 'grades',
  required: ['id', 'score'],
  select: (s) => {
    const c = (n: string) => `${s.col('grades', n)} AS "${n}"`;
    return `SELECT t.id, t.score, ${['submissionId', 'activityId', 'quizResponseId', 'maxScore', 'feedback', 'gradedBy', 'gradedAt', 'createdAt', 'updatedAt'].map(c).join(', ')}
              FROM grades t ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    if (!row.submissionId) return skip(row.quizResponseId ? 'quiz_grade_no_home' : 'activity_grade_no_home');
    const submissionId = await ctx.resolve('submissions', row.submissionId);
    if (!submissionId) return skip('orphan_submission');
    const score = num(row.score);
    if (score === null || !Number.isFinite(score) || score < 0) return skip('bad_score');
    const max = num(row.maxScore) ?? 100;
    let grade = score;
    if (max > 0 && max !== 100) {
      grade = (score * 100) / max;
      warn('rescaled_to_100');
    }
    let gradedBy: string | null = null;
    if (row.gradedBy) {
      gradedBy = (await ctx.resolve('admins', row.gradedBy)) ?? null;
      if (!gradedBy) warn('grader_missing');
    }
    return {
      submission_id: submissionId,
      grade,
      raw_grade: score,
      feedback: cleanText(row.feedback, warn),
      graded_by: gradedBy,
      graded_at: iso(row.gradedAt) ?? iso(row.createdAt) ?? new Date().toISOString(),
    };
  },
  async write(batch, tx, ctx) {
    const rows = (p: Planned<GradeValues>) => ({ ...p.values, id: p.newId, status: 'graded' });
    await insertRows(ctx.sequelize, tx, 'submission_grades', GRADE_COLUMNS, batch.filter((p) => p.isNew).map(rows));
    await updateRows(ctx.sequelize, tx, 'submission_grades', GRADE_COLUMNS, batch.filter((p) => !p.isNew).map(rows));
  },
  legacyKey: (row) => [str(row.submissionId), num(row.score)?.toString() ?? null],
  gemaKeys: `SELECT m.legacy_id, ARRAY[sm.legacy_id, g.raw_grade::text]::text[] AS k
               FROM legacy_import_map m
               JOIN submission_grades g ON g.id = m.new_id
               LEFT JOIN legacy_import_map sm ON sm.entity = 'submissions' AND sm.new_id = g.submission_id
              WHERE m.entity = 'grades'`,
};
