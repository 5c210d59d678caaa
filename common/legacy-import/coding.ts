import { QueryTypes, type Transaction } from 'sequelize';
import { skip, type EntitySpec, type ImportContext, type Planned } from './entity';
import { insertRows, updateRows, type Column } from './sql';
import { cleanText, fit, iso, num, parseJsonText, str } from './text';
import { gradingJobId } from '../grading/job-ids';
import { LANGUAGES, type Language } from '../grading/languages';

/**
 * The coding lab (README.md#moving-from-the-old-gema): Python tasks and the older per-language
 * exercises become coding tasks with their test cases (hidden stays hidden); their submissions
 * become history with the outcome the old judge recorded. Nothing is re-graded unless `--rejudge`
 * asks: then the submissions are left `queued` and the worker's sweep hands them to today's grader.
 */

/** the entry file the grader runs, per language (as the coding lab names it) */
const ENTRY: Record<Language, string> = { javascript: 'main.js', python: 'main.py', c: 'main.c', cpp: 'main.cpp', java: 'Main.java' };

const LANGUAGE_ALIASES: Record<string, Language> = {
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  'node.js': 'javascript',
  python: 'python',
  python3: 'python',
  c: 'c',
  'c++': 'cpp',
  cpp: 'cpp',
  java: 'java',
};

const DIFFICULTY: Record<string, 'easy' | 'medium' | 'hard'> = {
  easy: 'easy',
  beginner: 'easy',
  medium: 'medium',
  intermediate: 'medium',
  hard: 'hard',
  advanced: 'hard',
};

interface TaskValues {
  slug: string;
  title: string;
  description: string;
  difficulty: 'easy' | 'medium' | 'hard';
  tags: string[];
  languages: Language[];
  starter_code: Partial<Record<Language, string>>;
  time_limit_ms: number;
  memory_limit_mb: number;
  points: number;
  published: boolean;
  created_at: string;
  updated_at: string;
}

const TASK_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['slug', 'text'],
  ['title', 'text'],
  ['description', 'text'],
  ['difficulty', 'text'],
  ['tags', 'text[]'],
  ['languages', 'text[]'],
  ['starter_code', 'jsonb'],
  ['time_limit_ms', 'integer'],
  ['memory_limit_mb', 'integer'],
  ['points', 'integer'],
  ['published', 'boolean'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));

function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
}

/** Slugs already used in GEMA (and claimed in this run): a clash gets the legacy id's tail. */
async function slugs(ctx: ImportContext): Promise<Map<string, string>> {
  let found = ctx.notes.get('slugs') as Map<string, string> | undefined;
  if (!found) {
    const rows = await ctx.sequelize.query<{ id: string; slug: string }>('SELECT id, slug FROM coding_tasks WHERE deleted_at IS NULL', {
      type: QueryTypes.SELECT,
    });
    found = new Map(rows.map((r) => [r.slug, r.id]));
    ctx.notes.set('slugs', found);
  }
  return found;
}

async function claimSlug(ctx: ImportContext, wanted: string, legacyId: string, existing: string | undefined): Promise<string> {
  const taken = await slugs(ctx);
  const self = existing ?? `legacy:${legacyId}`;
  let slug = slugify(wanted) || 'task';
  if (taken.has(slug) && taken.get(slug) !== self) slug = `${slug}-${slugify(legacyId).slice(-8) || 'legacy'}`;
  for (let n = 2; taken.has(slug) && taken.get(slug) !== self; n++) slug = `${slug.replace(/-\d+$/, '')}-${n}`;
  taken.set(slug, self);
  return slug;
}

function tagsOf(value: unknown, warn: (code: string) => void): string[] {
  const parsed = parseJsonText(value, warn);
  const list = Array.isArray(parsed) ? parsed : typeof parsed === 'string' ? parsed.split(',') : [];
  return [...new Set(list.map((t) => String(t).trim().toLowerCase()).filter((t) => t && t.length <= 40))].slice(0, 20);
}

async function writeTasks(batch: Planned<TaskValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<TaskValues>) => ({ ...p.values, id: p.newId });
  await insertRows(ctx.sequelize, tx, 'coding_tasks', TASK_COLUMNS, batch.filter((p) => p.isNew).map(rows));
  await updateRows(ctx.sequelize, tx, 'coding_tasks', TASK_COLUMNS, batch.filter((p) => !p.isNew).map(rows), { slug: 't.slug' });
}

const TASK_KEY_SQL = (entity: string) => `SELECT m.legacy_id, ARRAY[t.title, t.points::text]::text[] AS k
  FROM legacy_import_map m JOIN coding_tasks t ON t.id = m.new_id WHERE m.entity = '${entity}'`;

export const pythonTasks: EntitySpec<TaskValues> = {
  entity: 'python_tasks',
  table: 'python_coding_tasks',
  required: ['id', 'title'],
  select: (s) => {
    const c = (n: string) => `${s.col('python_coding_tasks', n)} AS "${n}"`;
    return `SELECT t.id, t.title, ${['slug', 'description', 'difficulty', 'category', 'tags', 'starterCode', 'timeLimit', 'memoryLimit', 'points', 'isActive', 'createdAt', 'updatedAt'].map(c).join(', ')}
              FROM python_coding_tasks t ORDER BY t.id`;
  },
  async map(row, ctx, warn, existing) {
    const title = fit(cleanText(row.title, warn)?.trim() || null, 200, warn);
    if (!title) return skip('missing_title');
    const tags = tagsOf(row.tags, warn);
    const category = cleanText(row.category, warn)?.trim().toLowerCase();
    if (category && !tags.includes(category)) tags.unshift(category);
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      slug: await claimSlug(ctx, str(row.slug) ?? title, String(row.id), existing),
      title,
      description: cleanText(row.description, warn) ?? '',
      difficulty: DIFFICULTY[(str(row.difficulty) ?? 'easy').toLowerCase()] ?? 'easy',
      tags: tags.slice(0, 20),
      languages: ['python'],
      starter_code: row.starterCode ? { python: cleanText(row.starterCode, warn)! } : {},
      time_limit_ms: clamp((num(row.timeLimit) ?? 5) * 1000, 100, 20_000),
      memory_limit_mb: clamp(num(row.memoryLimit) ?? 128, 16, 1024),
      points: Math.max(0, Math.round(num(row.points) ?? 100)),
      published: row.isActive !== false,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writeTasks,
  legacyKey: (row) => [str(row.title)?.trim() ?? null, String(Math.max(0, Math.round(num(row.points) ?? 100)))],
  gemaKeys: TASK_KEY_SQL('python_tasks'),
};

export const exercises: EntitySpec<TaskValues> = {
  entity: 'exercises',
  table: 'coding_exercises',
  required: ['id', 'labId', 'title'],
  select: (s) => {
    const c = (n: string) => `${s.col('coding_exercises', n)} AS "${n}"`;
    const lab = s.hasTable('coding_labs') ? `l.language AS "labLanguage", l.title AS "labTitle"` : 'NULL AS "labLanguage", NULL AS "labTitle"';
    const join = s.hasTable('coding_labs') ? 'LEFT JOIN coding_labs l ON l.id = t."labId"' : '';
    return `SELECT t.id, t."labId", t.title, ${lab}, ${['description', 'difficulty', 'points', 'timeLimit', 'memoryLimit', 'instructions', 'starterCode', 'tags', 'isActive', 'createdAt', 'updatedAt'].map(c).join(', ')}
              FROM coding_exercises t ${join} ORDER BY t.id`;
  },
  async map(row, ctx, warn, existing) {
    const language = LANGUAGE_ALIASES[(str(row.labLanguage) ?? '').trim().toLowerCase()];
    if (!language) return skip(row.labLanguage ? 'unsupported_language' : 'orphan_lab');
    const title = fit(cleanText(row.title, warn)?.trim() || null, 200, warn);
    if (!title) return skip('missing_title');
    const tags = tagsOf(row.tags, warn);
    const lab = cleanText(row.labTitle, warn)?.trim().toLowerCase();
    if (lab && lab.length <= 40 && !tags.includes(lab)) tags.unshift(lab);
    const description = [cleanText(row.description, warn)?.trim(), cleanText(row.instructions, warn)?.trim()].filter(Boolean).join('\n\n');
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      slug: await claimSlug(ctx, `${lab ?? language}-${title}`, String(row.id), existing),
      title,
      description,
      difficulty: DIFFICULTY[(str(row.difficulty) ?? 'easy').toLowerCase()] ?? 'easy',
      tags: tags.slice(0, 20),
      languages: [language],
      starter_code: row.starterCode ? { [language]: cleanText(row.starterCode, warn)! } : {},
      time_limit_ms: clamp((num(row.timeLimit) ?? 2) * 1000, 100, 20_000),
      memory_limit_mb: clamp(num(row.memoryLimit) ?? 128, 16, 1024),
      points: Math.max(0, Math.round(num(row.points) ?? 10)),
      published: row.isActive !== false,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writeTasks,
  legacyKey: (row) => [str(row.title)?.trim() ?? null, String(Math.max(0, Math.round(num(row.points) ?? 10)))],
  gemaKeys: TASK_KEY_SQL('exercises'),
};

interface TestValues {
  task_id: string;
  position: number;
  name: string;
  stdin: string;
  expected: string;
  points: number;
  visibility: 'show' | 'hide';
  sample: boolean;
  created_at: string;
}

const TEST_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['task_id', 'uuid'],
  ['position', 'integer'],
  ['name', 'text'],
  ['stdin', 'text'],
  ['expected', 'text'],
  ['points', 'integer'],
  ['visibility', 'text'],
  ['sample', 'boolean'],
  ['created_at', 'timestamptz'],
];

/** Positions are unique per task: moved out of the way first, so a reordered task does not collide mid-batch. */
async function writeTests(batch: Planned<TestValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<TestValues>) => ({ ...p.values, id: p.newId });
  const changed = batch.filter((p) => !p.isNew);
  if (changed.length) {
    await ctx.sequelize.query('UPDATE coding_test_cases SET position = -position - 1000000 WHERE id = ANY($1::uuid[])', {
      bind: [changed.map((p) => p.newId)],
      transaction: tx,
    });
  }
  await updateRows(ctx.sequelize, tx, 'coding_test_cases', TEST_COLUMNS, changed.map(rows));
  await insertRows(ctx.sequelize, tx, 'coding_test_cases', TEST_COLUMNS, batch.filter((p) => p.isNew).map(rows));
}

function testSpec(entity: string, table: string, taskColumn: string, taskEntity: string, hasName: boolean): EntitySpec<TestValues> {
  return {
    entity,
    table,
    required: ['id', taskColumn, 'input', 'expectedOutput'],
    select: (s) => {
      const c = (n: string) => `${s.col(table, n)} AS "${n}"`;
      const order = s.hasColumn(table, 'order') ? `t."order", ` : '';
      return `SELECT t.id, t."${taskColumn}" AS "taskId", t.input, t."expectedOutput", ${['isHidden', 'points', 'createdAt', ...(hasName ? ['name'] : ['explanation'])].map(c).join(', ')},
                     row_number() OVER (PARTITION BY t."${taskColumn}" ORDER BY ${order}${s.col(table, 'createdAt')}, t.id)::int AS position
                FROM ${table} t ORDER BY t.id`;
    },
    async map(row, ctx, warn) {
      const taskId = await ctx.resolve(taskEntity, row.taskId);
      if (!taskId) return skip('orphan_task');
      const hidden = row.isHidden === true;
      // row_number() in the select: never NULL
      const position = Number(row.position);
      return {
        task_id: taskId,
        position,
        name: fit(cleanText(row.name, warn)?.trim() || `Test ${position}`, 100, warn)!,
        stdin: cleanText(row.input, warn) ?? '',
        expected: cleanText(row.expectedOutput, warn) ?? '',
        points: Math.max(0, Math.round(num(row.points) ?? (hasName ? 10 : 1))),
        visibility: hidden ? 'hide' : 'show',
        // visible tests are the ones a student may run as samples before submitting
        sample: !hidden,
        created_at: iso(row.createdAt) ?? new Date().toISOString(),
      };
    },
    write: writeTests,
    legacyKey: (row) => [str(row.taskId), row.isHidden === true ? 'hide' : 'show', str(row.expectedOutput)?.replaceAll('\u0000', '') ?? ''],
    gemaKeys: `SELECT m.legacy_id, ARRAY[tm.legacy_id, c.visibility, c.expected]::text[] AS k
                 FROM legacy_import_map m
                 JOIN coding_test_cases c ON c.id = m.new_id
                 LEFT JOIN legacy_import_map tm ON tm.entity = '${taskEntity}' AND tm.new_id = c.task_id
                WHERE m.entity = '${entity}'`,
  };
}

export const pythonTests = testSpec('python_tests', 'python_test_cases', 'taskId', 'python_tasks', true);
export const exerciseTests = testSpec('exercise_tests', 'coding_test_cases', 'exerciseId', 'exercises', false);

type Verdict = 'accepted' | 'wrong_answer' | 'compile_error' | 'runtime_error' | 'time_limit' | null;

interface CodingSubmissionValues {
  task_id: string;
  user_id: string;
  classroom_id: string | null;
  language: Language;
  files: { name: string; content: string }[];
  status: 'queued' | 'completed' | 'failed';
  verdict: Verdict;
  score: number;
  max_score: number;
  compile_output: string | null;
  error: string | null;
  attempt: number;
  job_id: string | null;
  queued_at: string;
  finished_at: string | null;
  created_at: string;
  updated_at: string;
}

const CODING_SUBMISSION_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['task_id', 'uuid'],
  ['user_id', 'uuid'],
  ['classroom_id', 'uuid'],
  ['language', 'text'],
  ['files', 'jsonb'],
  ['status', 'text'],
  ['verdict', 'text'],
  ['score', 'integer'],
  ['max_score', 'integer'],
  ['results', 'jsonb'],
  ['compile_output', 'text'],
  ['error', 'text'],
  ['attempt', 'integer'],
  ['job_id', 'text'],
  ['queued_at', 'timestamptz'],
  ['finished_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

export async function studentClassroom(ctx: ImportContext, userId: string): Promise<string | null> {
  let rooms = ctx.notes.get('student-classrooms') as Map<string, string | null> | undefined;
  if (!rooms) {
    const rows = await ctx.sequelize.query<{ id: string; classroom_id: string | null }>(`SELECT id, classroom_id FROM users WHERE role = 'student'`, {
      type: QueryTypes.SELECT,
    });
    rooms = new Map(rows.map((r) => [r.id, r.classroom_id]));
    ctx.notes.set('student-classrooms', rooms);
  }
  return rooms.get(userId) ?? null;
}

async function taskPoints(ctx: ImportContext, taskId: string): Promise<number> {
  let points = ctx.notes.get('task-points') as Map<string, number> | undefined;
  if (!points) {
    const rows = await ctx.sequelize.query<{ id: string; points: number }>('SELECT id, points FROM coding_tasks', { type: QueryTypes.SELECT });
    points = new Map(rows.map((r) => [r.id, r.points]));
    ctx.notes.set('task-points', points);
  }
  return points.get(taskId) ?? 100;
}

async function writeCodingSubmissions(batch: Planned<CodingSubmissionValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<CodingSubmissionValues>) => ({
    ...p.values,
    id: p.newId,
    results: [],
    job_id: p.values.status === 'queued' ? gradingJobId(p.newId) : null,
  });
  await insertRows(ctx.sequelize, tx, 'coding_submissions', CODING_SUBMISSION_COLUMNS, batch.filter((p) => p.isNew).map(rows));
  // a submission GEMA has re-graded since keeps today's outcome
  await updateRows(ctx.sequelize, tx, 'coding_submissions', CODING_SUBMISSION_COLUMNS, batch.filter((p) => !p.isNew).map(rows), {
    status: 't.status',
    verdict: 't.verdict',
    score: 't.score',
    max_score: 't.max_score',
    results: 't.results',
    job_id: 't.job_id',
    finished_at: 't.finished_at',
  });
}

const PYTHON_STATUS: Record<string, { status: 'completed' | 'failed'; verdict: Verdict }> = {
  COMPLETED: { status: 'completed', verdict: 'accepted' },
  FAILED: { status: 'completed', verdict: 'wrong_answer' },
  RUNTIME_ERROR: { status: 'completed', verdict: 'runtime_error' },
  COMPILATION_ERROR: { status: 'completed', verdict: 'compile_error' },
  TIME_LIMIT_EXCEEDED: { status: 'completed', verdict: 'time_limit' },
};

export const pythonSubmissions: EntitySpec<CodingSubmissionValues> = {
  entity: 'python_submissions',
  table: 'python_submissions',
  required: ['id', 'taskId', 'studentId', 'code'],
  select: (s) => {
    const c = (n: string) => `${s.col('python_submissions', n)} AS "${n}"`;
    const cols = [
      'status',
      'stderr',
      'compileOutput',
      'message',
      'score',
      'totalTests',
      'passedTests',
      'submittedAt',
      'completedAt',
      'createdAt',
      'updatedAt',
    ];
    return `SELECT t.id, t."taskId", t."studentId", t.code, ${cols.map(c).join(', ')},
                   row_number() OVER (PARTITION BY t."taskId", t."studentId" ORDER BY ${s.col('python_submissions', 'submittedAt')}, t.id)::int AS attempt
              FROM python_submissions t ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    const taskId = await ctx.resolve('python_tasks', row.taskId);
    if (!taskId) return skip('orphan_task');
    const userId = await ctx.resolve('students', row.studentId);
    if (!userId) return skip('orphan_student');
    let outcome = PYTHON_STATUS[str(row.status) ?? ''];
    if (outcome?.verdict === 'accepted' && num(row.passedTests) !== num(row.totalTests)) outcome = { status: 'completed', verdict: 'wrong_answer' };
    if (!outcome) warn('never_judged');
    const submitted = iso(row.submittedAt) ?? iso(row.createdAt) ?? new Date().toISOString();
    const max = await taskPoints(ctx, taskId);
    return {
      task_id: taskId,
      user_id: userId,
      classroom_id: await studentClassroom(ctx, userId),
      language: 'python',
      files: [{ name: ENTRY.python, content: cleanText(row.code, warn) ?? '' }],
      ...(ctx.options.rejudge ? { status: 'queued' as const, verdict: null } : (outcome ?? { status: 'failed' as const, verdict: null })),
      score: clamp(num(row.score) ?? 0, 0, 1_000_000),
      max_score: max,
      compile_output: cleanText(row.compileOutput, warn),
      error: outcome ? (cleanText(row.stderr, warn) ?? cleanText(row.message, warn)) : 'never judged in the old GEMA',
      // row_number() in the select: never NULL
      attempt: Number(row.attempt),
      job_id: null,
      queued_at: submitted,
      finished_at: ctx.options.rejudge ? null : (iso(row.completedAt) ?? (outcome ? submitted : null)),
      created_at: iso(row.createdAt) ?? submitted,
      updated_at: iso(row.updatedAt) ?? submitted,
    };
  },
  write: writeCodingSubmissions,
  legacyKey: (row) => [str(row.taskId), str(row.studentId), String(clamp(num(row.score) ?? 0, 0, 1_000_000))],
  gemaKeys: submissionKeys('python_submissions', 'python_tasks'),
};

function submissionKeys(entity: string, taskEntity: string): string {
  return `SELECT m.legacy_id, ARRAY[tm.legacy_id, um.legacy_id, s.score::text]::text[] AS k
            FROM legacy_import_map m
            JOIN coding_submissions s ON s.id = m.new_id
            LEFT JOIN legacy_import_map tm ON tm.entity = '${taskEntity}' AND tm.new_id = s.task_id
            LEFT JOIN legacy_import_map um ON um.entity = 'students' AND um.new_id = s.user_id
           WHERE m.entity = '${entity}'`;
}

const EXERCISE_STATUS: Record<string, { status: 'completed' | 'failed'; verdict: Verdict }> = {
  APPROVED: { status: 'completed', verdict: 'accepted' },
  REJECTED: { status: 'completed', verdict: 'wrong_answer' },
};

export const exerciseSubmissions: EntitySpec<CodingSubmissionValues> = {
  entity: 'exercise_submissions',
  table: 'coding_submissions',
  required: ['id', 'exerciseId', 'studentId', 'code'],
  select: (s) => {
    const c = (n: string) => `${s.col('coding_submissions', n)} AS "${n}"`;
    return `SELECT t.id, t."exerciseId", t."studentId", t.code, ${['status', 'score', 'submittedAt', 'attempts', 'createdAt', 'updatedAt'].map(c).join(', ')}
              FROM coding_submissions t ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    const status = str(row.status) ?? 'DRAFT';
    if (status === 'DRAFT') return skip('draft_never_submitted');
    const taskId = await ctx.resolve('exercises', row.exerciseId);
    if (!taskId) return skip('orphan_task');
    const userId = await ctx.resolve('students', row.studentId);
    if (!userId) return skip('orphan_student');
    const languages = ctx.notes.get('exercise-languages') as Map<string, Language> | undefined;
    const language = languages?.get(taskId) ?? (await exerciseLanguage(ctx, taskId));
    const outcome = EXERCISE_STATUS[status];
    if (!outcome) warn('never_judged');
    const submitted = iso(row.submittedAt) ?? iso(row.createdAt) ?? new Date().toISOString();
    return {
      task_id: taskId,
      user_id: userId,
      classroom_id: await studentClassroom(ctx, userId),
      language,
      files: [{ name: ENTRY[language], content: cleanText(row.code, warn) ?? '' }],
      ...(ctx.options.rejudge ? { status: 'queued' as const, verdict: null } : (outcome ?? { status: 'failed' as const, verdict: null })),
      score: clamp(num(row.score) ?? 0, 0, 1_000_000),
      max_score: await taskPoints(ctx, taskId),
      compile_output: null,
      error: outcome ? null : 'never judged in the old GEMA',
      // the old exercise kept one row per student, counting its attempts
      attempt: Math.max(1, Math.round(num(row.attempts) ?? 1)),
      job_id: null,
      queued_at: submitted,
      finished_at: ctx.options.rejudge || !outcome ? null : submitted,
      created_at: iso(row.createdAt) ?? submitted,
      updated_at: iso(row.updatedAt) ?? submitted,
    };
  },
  write: writeCodingSubmissions,
  legacyKey: (row) => [str(row.exerciseId), str(row.studentId), String(clamp(num(row.score) ?? 0, 0, 1_000_000))],
  gemaKeys: submissionKeys('exercise_submissions', 'exercises'),
};

async function exerciseLanguage(ctx: ImportContext, taskId: string): Promise<Language> {
  let languages = ctx.notes.get('exercise-languages') as Map<string, Language> | undefined;
  if (!languages) {
    const rows = await ctx.sequelize.query<{ id: string; language: string }>('SELECT id, languages[1] AS language FROM coding_tasks', {
      type: QueryTypes.SELECT,
    });
    languages = new Map(rows.filter((r) => (LANGUAGES as readonly string[]).includes(r.language)).map((r) => [r.id, r.language as Language]));
    ctx.notes.set('exercise-languages', languages);
  }
  return languages.get(taskId) ?? 'python';
}
