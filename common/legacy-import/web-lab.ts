import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transaction } from 'sequelize';
import { skip, type EntitySpec, type ImportContext, type Planned } from './entity';
import { insertRows, updateRows, type Column } from './sql';
import { cleanText, fit, iso, num, parseJsonText, str } from './text';
import { studentClassroom } from './coding';
import { getConfig } from '../config';
import { extractZip } from '../web-lab/archive';
import { normalisePath } from '../web-lab/file-tree';
import { DEFAULT_RUBRIC, type RubricCriterion, type WebFile } from '../web-lab/types';
import type { RubricScore } from '../models/web-project';
import type { LegacySource } from './source';

/**
 * The web lab, both legacy generations (README.md#moving-from-the-old-gema). The first kept one
 * html/css/js triple per assignment and student with a checklist of requirements; the second
 * (`coding_lab_*`) kept file trees, uploaded archives and a five-criterion rubric. Both become GEMA
 * web-lab assignments, projects (the draft), locked versions and evaluations. Imported versions are
 * history: they are never re-checked on import, so they carry no automatic score.
 */

type Warn = (code: string) => void;

const TIMESTAMP = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** the legacy web lab had no due dates: the end of the school year the import is for, late work still taken */
function dueAt(academicYear: string, created: string): string {
  const end = /^\d{4}\/(\d{4})$/.exec(academicYear)?.[1];
  if (end) return `${end}-06-30T23:59:59.000Z`;
  return new Date(new Date(created).getTime() + 365 * 86_400_000).toISOString();
}

/** The old editor's three panes (`html`, or `starterHtml` with a prefix) as a GEMA file tree, sorted by path. */
function paneFiles(row: Record<string, unknown>, warn: Warn, prefix = ''): WebFile[] {
  const column = (pane: string) => (prefix ? `${prefix}${pane.charAt(0).toUpperCase()}${pane.slice(1)}` : pane);
  const files: WebFile[] = [];
  for (const [pane, file] of [
    ['html', 'index.html'],
    ['js', 'script.js'],
    ['css', 'style.css'],
  ] as const) {
    const content = cleanText(row[column(pane)], warn);
    if (content) files.push({ path: file, encoding: 'utf8', content });
  }
  return files;
}

const slugKey = (s: string, fallback: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || fallback;

interface ChecklistItem {
  key: string;
  title: string;
  points: number | null;
}

/** A requirements checklist as the old app wrote it: strings, or objects with an id and a label. */
function checklistItems(value: unknown, warn: Warn): ChecklistItem[] {
  const parsed = parseJsonText(value, warn);
  if (!Array.isArray(parsed)) return [];
  const seen = new Set<string>();
  const items: ChecklistItem[] = [];
  parsed.forEach((item, i) => {
    const o: Record<string, unknown> = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : { label: item };
    const title = str(o.label ?? o.title ?? o.text ?? o.description)?.trim();
    if (!title) return;
    let key = slugKey(str(o.id ?? o.key) ?? '', `req-${i + 1}`);
    if (seen.has(key)) key = `req-${i + 1}`;
    seen.add(key);
    const points = num(o.points ?? o.maxPoints ?? o.score);
    items.push({ key, title: Array.from(title).slice(0, 100).join(''), points: points !== null && points >= 0 ? points : null });
  });
  return items;
}

/** The checklist as a rubric: its own points where it gives them, otherwise the assignment's points shared out. */
function checklistRubric(requirements: unknown, points: number, warn: Warn): RubricCriterion[] {
  const items = checklistItems(requirements, warn).slice(0, 20);
  if (!items.length) return [{ key: 'overall', title: 'Overall', maxPoints: points }];
  const unpriced = items.filter((i) => i.points === null).length;
  const priced = items.reduce((t, i) => t + (i.points ?? 0), 0);
  const share = unpriced ? Math.max(0, points - priced) / unpriced : 0;
  return items.map((i) => ({ key: i.key, title: i.title, maxPoints: Math.round((i.points ?? share) * 100) / 100 }));
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Where a legacy local archive is on this machine (as learning.ts resolves submission files). */
function localPath(source: string, root: string | undefined): string | null {
  if (root) return path.join(root, path.normalize(`/${source}`));
  return path.isAbsolute(source) ? source : null;
}

/**
 * An uploaded archive's files, as the web lab holds an uploaded ZIP (extracted under the same caps
 * and path rules); null, with a warning, when the file is gone or is not a readable ZIP.
 */
async function archiveFiles(source: string, ctx: ImportContext, warn: Warn): Promise<WebFile[] | null> {
  const local = localPath(source, ctx.options.filesRoot);
  let bytes: Buffer;
  try {
    if (!local) throw new Error('not a local path');
    bytes = await fs.readFile(local);
  } catch {
    warn('archive_missing');
    return null;
  }
  try {
    const files = await extractZip(bytes, getConfig().webLab);
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } catch {
    warn('archive_unreadable');
    return null;
  }
}

/** A second-generation file list (`path`, `language`, `content`): paths the web lab refuses are dropped with a warning. */
function treeFiles(value: unknown, warn: Warn): WebFile[] {
  const parsed = parseJsonText(value, warn);
  if (!Array.isArray(parsed)) return [];
  const files = new Map<string, WebFile>();
  for (const f of parsed) {
    if (typeof f !== 'object' || f === null) continue;
    const o = f as Record<string, unknown>;
    try {
      const p = normalisePath(str(o.path) ?? '');
      if (files.has(p.toLowerCase())) throw new Error('twice');
      files.set(p.toLowerCase(), { path: p, encoding: 'utf8', content: str(o.content) ?? '' });
    } catch {
      warn('file_path_refused');
    }
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

interface AssignmentValues {
  title: string;
  description: string;
  starter_files: WebFile[];
  due_at: string;
  accept_late: boolean;
  points: number;
  rubric: RubricCriterion[];
  published: boolean;
  archived_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

const ASSIGNMENT_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['title', 'text'],
  ['description', 'text'],
  ['starter_files', 'jsonb'],
  ['due_at', 'timestamptz'],
  ['accept_late', 'boolean'],
  ['points', 'integer'],
  ['rubric', 'jsonb'],
  ['published', 'boolean'],
  ['archived_at', 'timestamptz'],
  ['created_by', 'uuid'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

function describe(parts: (string | null | undefined)[]): string {
  return parts
    .map((p) => p?.trim())
    .filter(Boolean)
    .join('\n\n');
}

function hintsText(value: unknown, warn: Warn): string | null {
  const parsed = parseJsonText(value, warn);
  if (!Array.isArray(parsed) || !parsed.length) return typeof parsed === 'string' ? `Hints: ${parsed}` : null;
  return `Hints:\n${parsed.map((h) => `- ${typeof h === 'string' ? h : JSON.stringify(h)}`).join('\n')}`;
}

async function writeAssignments(batch: Planned<AssignmentValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<AssignmentValues>) => ({ ...p.values, id: p.newId });
  await insertRows(ctx.sequelize, tx, 'web_assignments', ASSIGNMENT_COLUMNS, batch.filter((p) => p.isNew).map(rows));
  // a due date a teacher set in GEMA since stays
  await updateRows(ctx.sequelize, tx, 'web_assignments', ASSIGNMENT_COLUMNS, batch.filter((p) => !p.isNew).map(rows), { due_at: 't.due_at' });
}

const assignmentKeys = (entity: string) => `SELECT m.legacy_id, ARRAY[a.title, a.points::text]::text[] AS k
  FROM legacy_import_map m JOIN web_assignments a ON a.id = m.new_id WHERE m.entity = '${entity}'`;

const points = (row: Record<string, unknown>) => Math.min(1000, Math.max(1, Math.round(num(row.points) ?? 100)));

/** First generation: starter panes, the requirements checklist as the rubric, DRAFT/PUBLISHED/ARCHIVED. */
export const webLabAssignments: EntitySpec<AssignmentValues> = {
  entity: 'web_lab_assignments',
  table: 'web_lab_assignments',
  required: ['id', 'title'],
  select: (s) => {
    const c = (n: string) => `${s.col('web_lab_assignments', n)} AS "${n}"`;
    const cols = ['description', 'difficulty', 'classLevel', 'instructions', 'starterHtml', 'starterCss', 'starterJs', 'template', 'requirements'];
    const more = ['hints', 'solutionHtml', 'solutionCss', 'solutionJs', 'points', 'timeLimit', 'status', 'createdBy', 'createdAt', 'updatedAt'];
    return `SELECT t.id, t.title, ${[...cols, ...more].map(c).join(', ')} FROM web_lab_assignments t ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    const title = fit(cleanText(row.title, warn)?.trim() || null, 200, warn);
    if (!title) return skip('missing_title');
    // what GEMA's web lab has no field for is said, not dropped silently
    if (row.solutionHtml || row.solutionCss || row.solutionJs) warn('solution_not_kept');
    if (row.template) warn('template_not_kept');
    if (num(row.timeLimit)) warn('time_limit_not_kept');
    let createdBy: string | null = null;
    if (row.createdBy) {
      createdBy = (await ctx.resolve('admins', row.createdBy)) ?? null;
      if (!createdBy) warn('author_missing');
    }
    const level = [
      str(row.classLevel)?.trim() && `Class level: ${str(row.classLevel)!.trim()}`,
      str(row.difficulty) && `Difficulty: ${str(row.difficulty)!.toLowerCase()}`,
    ]
      .filter(Boolean)
      .join(' · ');
    const status = str(row.status) ?? 'DRAFT';
    const created = iso(row.createdAt) ?? new Date().toISOString();
    const updated = iso(row.updatedAt) ?? created;
    const p = points(row);
    return {
      title,
      description: describe([cleanText(row.description, warn), cleanText(row.instructions, warn), hintsText(row.hints, warn), level]),
      starter_files: paneFiles(row, warn, 'starter'),
      due_at: dueAt(ctx.options.academicYear, created),
      accept_late: true,
      points: p,
      rubric: checklistRubric(row.requirements, p, warn),
      published: status !== 'DRAFT',
      archived_at: status === 'ARCHIVED' ? updated : null,
      created_by: createdBy,
      created_at: created,
      updated_at: updated,
    };
  },
  write: writeAssignments,
  legacyKey: (row) => [str(row.title)?.trim() ?? null, String(points(row))],
  gemaKeys: assignmentKeys('web_lab_assignments'),
};

const CRITERIA: Record<string, RubricCriterion> = {
  HTML_STRUCTURE: DEFAULT_RUBRIC[0]!,
  CSS_RESPONSIVE: DEFAULT_RUBRIC[1]!,
  JS_INTERACTIVITY: DEFAULT_RUBRIC[2]!,
  CODE_QUALITY: DEFAULT_RUBRIC[3]!,
  CREATIVITY_BRIEF: DEFAULT_RUBRIC[4]!,
};

/** A second-generation rubric (criterion + maxScore, or criterion names only) as GEMA's; the default five when absent. */
function projectRubric(project: unknown, warn: Warn): RubricCriterion[] {
  const rubric = (project as { rubric?: unknown } | null)?.rubric;
  if (!Array.isArray(rubric) || !rubric.length) return DEFAULT_RUBRIC.map((c) => ({ ...c }));
  const out = new Map<string, RubricCriterion>();
  for (const r of rubric) {
    const o: Record<string, unknown> = typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : { criterion: r };
    const known = CRITERIA[str(o.criterion ?? o.key)?.toUpperCase() ?? ''];
    if (!known) {
      warn('unknown_criterion_dropped');
      continue;
    }
    const max = num(o.maxScore ?? o.maxPoints ?? o.weight);
    out.set(known.key, { ...known, maxPoints: max !== null && max >= 0 && max <= 1000 ? max : known.maxPoints });
  }
  return out.size ? [...out.values()] : DEFAULT_RUBRIC.map((c) => ({ ...c }));
}

const rubricPoints = (rubric: RubricCriterion[]) => Math.min(1000, Math.max(1, Math.round(rubric.reduce((t, c) => t + c.maxPoints, 0))));

/** Second generation: the project brief, its rubric and its starter file tree. */
export const codingLabTasks: EntitySpec<AssignmentValues> = {
  entity: 'coding_lab_tasks',
  table: 'coding_lab_tasks',
  required: ['id', 'title'],
  select: (s) => {
    const c = (n: string) => `${s.col('coding_lab_tasks', n)} AS "${n}"`;
    const cols = ['description', 'classLevel', 'tags', 'instructions', 'project', 'files', 'previewMode', 'isActive', 'createdAt', 'updatedAt'];
    return `SELECT t.id, t.title, ${cols.map(c).join(', ')} FROM coding_lab_tasks t ORDER BY t.id`;
  },
  map(row, ctx, warn) {
    const title = fit(cleanText(row.title, warn)?.trim() || null, 200, warn);
    if (!title) return skip('missing_title');
    const project = parseJsonText(row.project, warn) as { title?: unknown; description?: unknown } | null;
    const rubric = projectRubric(project, warn);
    const tags = parseJsonText(row.tags, () => undefined);
    const meta = [
      str(row.classLevel)?.trim() && `Class level: ${str(row.classLevel)!.trim()}`,
      Array.isArray(tags) && tags.length ? `Tags: ${tags.join(', ')}` : str(row.tags)?.trim() && `Tags: ${str(row.tags)!.trim()}`,
    ]
      .filter(Boolean)
      .join(' · ');
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      title,
      description: describe([
        cleanText(row.description, warn),
        cleanText(row.instructions, warn),
        project?.title || project?.description ? describe([cleanText(project.title, warn), cleanText(project.description, warn)]) : null,
        meta,
      ]),
      starter_files: treeFiles(row.files, warn),
      due_at: dueAt(ctx.options.academicYear, created),
      accept_late: true,
      points: rubricPoints(rubric),
      rubric,
      published: row.isActive !== false,
      archived_at: null,
      created_by: null,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writeAssignments,
  legacyKey: (row) => {
    const rubric = projectRubric(
      parseJsonText(row.project, () => undefined),
      () => undefined,
    );
    return [str(row.title)?.trim() ?? null, String(rubricPoints(rubric))];
  },
  gemaKeys: assignmentKeys('coding_lab_tasks'),
};

const PROJECT_STATUS: Record<string, 'draft' | 'submitted' | 'returned' | 'graded'> = {
  DRAFT: 'draft',
  SUBMITTED: 'submitted',
  RETURNED: 'returned',
  GRADED: 'graded',
};

interface ProjectValues {
  assignment_id: string;
  user_id: string;
  classroom_id: string | null;
  files: WebFile[];
  status: 'draft' | 'submitted' | 'returned' | 'graded';
  submitted_at: string | null;
  created_at: string;
  updated_at: string;
}

const PROJECT_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['assignment_id', 'uuid'],
  ['user_id', 'uuid'],
  ['classroom_id', 'uuid'],
  ['files', 'jsonb'],
  ['revision', 'integer'],
  ['status', 'text'],
  ['submitted_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

async function writeProjects(batch: Planned<ProjectValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<ProjectValues>) => ({ ...p.values, id: p.newId, revision: 1 });
  await insertRows(ctx.sequelize, tx, 'web_projects', PROJECT_COLUMNS, batch.filter((p) => p.isNew).map(rows));
  // a changed draft is a new revision: an editor holding the old ETag must reload, not overwrite it
  await updateRows(ctx.sequelize, tx, 'web_projects', PROJECT_COLUMNS, batch.filter((p) => !p.isNew).map(rows), { revision: 't.revision + 1' });
}

const projectKeys = (entity: string, assignmentEntity: string) => `SELECT m.legacy_id, ARRAY[am.legacy_id, sm.legacy_id, p.status]::text[] AS k
  FROM legacy_import_map m
  JOIN web_projects p ON p.id = m.new_id
  LEFT JOIN legacy_import_map am ON am.entity = '${assignmentEntity}' AND am.new_id = p.assignment_id
  LEFT JOIN legacy_import_map sm ON sm.entity = 'students' AND sm.new_id = p.user_id
 WHERE m.entity = '${entity}'`;

async function projectOwner(row: Record<string, unknown>, assignmentEntity: string, ctx: ImportContext) {
  const assignmentId = await ctx.resolve(assignmentEntity, row.assignmentId);
  if (!assignmentId) return skip(assignmentEntity === 'coding_lab_tasks' ? 'orphan_task' : 'orphan_assignment');
  const userId = await ctx.resolve('students', row.studentId);
  if (!userId) return skip('orphan_student');
  return { assignment_id: assignmentId, user_id: userId, classroom_id: await studentClassroom(ctx, userId) };
}

export const webLabSubmissions: EntitySpec<ProjectValues> = {
  entity: 'web_lab_submissions',
  table: 'web_lab_submissions',
  required: ['id', 'assignmentId', 'studentId'],
  select: (s) => {
    const c = (n: string) => `${s.col('web_lab_submissions', n)} AS "${n}"`;
    return `SELECT t.id, t."assignmentId", t."studentId", ${['html', 'css', 'js', 'status', 'submittedAt', 'createdAt', 'updatedAt'].map(c).join(', ')}
              FROM web_lab_submissions t ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    const owner = await projectOwner(row, 'web_lab_assignments', ctx);
    if ('skip' in owner) return owner;
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      ...owner,
      files: paneFiles(row, warn),
      status: PROJECT_STATUS[str(row.status) ?? 'DRAFT'] ?? 'draft',
      submitted_at: iso(row.submittedAt),
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writeProjects,
  legacyKey: (row) => [str(row.assignmentId), str(row.studentId), PROJECT_STATUS[str(row.status) ?? 'DRAFT'] ?? 'draft'],
  gemaKeys: projectKeys('web_lab_submissions', 'web_lab_assignments'),
};

export const codingLabSubmissions: EntitySpec<ProjectValues> = {
  entity: 'coding_lab_submissions',
  table: 'coding_lab_submissions',
  required: ['id', 'taskId', 'studentId'],
  select: (s) => {
    const c = (n: string) => `${s.col('coding_lab_submissions', n)} AS "${n}"`;
    const cols = [
      'title',
      'summary',
      'status',
      'submittedAt',
      'draftHtml',
      'draftCss',
      'draftJs',
      'draftArtifact',
      'draftArchivePath',
      'createdAt',
      'updatedAt',
    ];
    return `SELECT t.id, t."taskId" AS "assignmentId", t."studentId", ${cols.map(c).join(', ')} FROM coding_lab_submissions t ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    const owner = await projectOwner(row, 'coding_lab_tasks', ctx);
    if ('skip' in owner) return owner;
    if (str(row.title)?.trim() || str(row.summary)?.trim()) warn('title_summary_not_kept');
    let files = paneFiles(row, warn, 'draft');
    const archive = str(row.draftArchivePath)?.trim();
    if (str(row.draftArtifact) === 'UPLOAD' && archive) files = (await archiveFiles(archive, ctx, warn)) ?? files;
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      ...owner,
      files,
      status: PROJECT_STATUS[str(row.status) ?? 'DRAFT'] ?? 'draft',
      submitted_at: iso(row.submittedAt),
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writeProjects,
  legacyKey: (row) => [str(row.assignmentId), str(row.studentId), PROJECT_STATUS[str(row.status) ?? 'DRAFT'] ?? 'draft'],
  gemaKeys: projectKeys('coding_lab_submissions', 'coding_lab_tasks'),
};

interface VersionValues {
  project_id: string;
  assignment_id: string;
  user_id: string;
  classroom_id: string | null;
  number: number;
  files: WebFile[];
  error: string | null;
  created_at: string;
}

const VERSION_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['project_id', 'uuid'],
  ['assignment_id', 'uuid'],
  ['user_id', 'uuid'],
  ['classroom_id', 'uuid'],
  ['number', 'integer'],
  ['files', 'jsonb'],
  ['status', 'text'],
  ['error', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
  ['finished_at', 'timestamptz'],
];

/**
 * Versions are numbered by the legacy order per project; a new one lands after those GEMA already
 * holds (a student may have submitted in GEMA meanwhile), as submission attempts do in learning.ts.
 */
async function writeVersions(batch: Planned<VersionValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<VersionValues>) => ({
    ...p.values,
    id: p.newId,
    status: 'completed',
    updated_at: p.values.created_at,
    finished_at: p.values.created_at,
  });
  const fresh = batch.filter((p) => p.isNew).map(rows);
  if (fresh.length) {
    const names = VERSION_COLUMNS.map(([n]) => n).filter((n) => n !== 'number');
    await ctx.sequelize.query(
      `INSERT INTO web_versions (number, ${names.join(', ')})
       SELECT GREATEST(r.number, COALESCE(e.top, 0) + row_number() OVER (PARTITION BY r.project_id ORDER BY r.number)),
              ${names.map((n) => `r.${n}`).join(', ')}
         FROM jsonb_to_recordset($1::jsonb) AS r(${VERSION_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})
         LEFT JOIN LATERAL (SELECT max(v.number) AS top FROM web_versions v WHERE v.project_id = r.project_id) e ON true`,
      { bind: [JSON.stringify(fresh)], transaction: tx },
    );
  }
  await updateRows(ctx.sequelize, tx, 'web_versions', VERSION_COLUMNS, batch.filter((p) => !p.isNew).map(rows), { number: 't.number' });
}

const versionKeys = (entity: string, projectEntity: string) => `SELECT m.legacy_id,
       ARRAY[pm.legacy_id, to_char(v.created_at AT TIME ZONE 'UTC', ${TIMESTAMP})]::text[] AS k
  FROM legacy_import_map m
  JOIN web_versions v ON v.id = m.new_id
  LEFT JOIN legacy_import_map pm ON pm.entity = '${projectEntity}' AND pm.new_id = v.project_id
 WHERE m.entity = '${entity}'`;

/** A LEFT JOIN of a table a school's copy may lack: none then, and its columns read as NULL through `source.col`. */
const joinIf = (s: LegacySource, table: string, alias: string, on: string) => (s.hasTable(table) ? `LEFT JOIN ${table} ${alias} ON ${on}` : '');

/** The select of a versions table: the project's owner comes along, and a number by creation order. */
const versionSelect = (table: string, submissions: string, assignmentColumn: string, columns: string[]) => (s: LegacySource) =>
  `SELECT t.id, t."submissionId", ${s.col(submissions, assignmentColumn, 'sub')} AS "assignmentId", ${s.col(submissions, 'studentId', 'sub')} AS "studentId",
          ${columns.map((n) => `${s.col(table, n)} AS "${n}"`).join(', ')},
          row_number() OVER (PARTITION BY t."submissionId" ORDER BY ${s.col(table, 'createdAt')}, t.id)::int AS number
     FROM ${table} t ${joinIf(s, submissions, 'sub', 'sub.id = t."submissionId"')}
    -- a project's versions arrive together and in order, whatever the batch size
    ORDER BY t."submissionId", number`;

async function versionOwner(row: Record<string, unknown>, projectEntity: string, assignmentEntity: string, ctx: ImportContext) {
  const projectId = await ctx.resolve(projectEntity, row.submissionId);
  if (!projectId) return skip('orphan_submission');
  const owner = await projectOwner(row, assignmentEntity, ctx);
  if ('skip' in owner) return owner;
  // row_number() in the select: never NULL
  return { ...owner, project_id: projectId, number: Number(row.number) };
}

export const webLabVersions: EntitySpec<VersionValues> = {
  entity: 'web_lab_submission_versions',
  table: 'web_lab_submission_versions',
  required: ['id', 'submissionId'],
  select: versionSelect('web_lab_submission_versions', 'web_lab_submissions', 'assignmentId', ['html', 'css', 'js', 'createdAt']),
  async map(row, ctx, warn) {
    const owner = await versionOwner(row, 'web_lab_submissions', 'web_lab_assignments', ctx);
    if ('skip' in owner) return owner;
    return { ...owner, files: paneFiles(row, warn), error: null, created_at: iso(row.createdAt) ?? new Date().toISOString() };
  },
  write: writeVersions,
  legacyKey: (row) => [str(row.submissionId), iso(row.createdAt)],
  gemaKeys: versionKeys('web_lab_submission_versions', 'web_lab_submissions'),
};

export const codingLabVersions: EntitySpec<VersionValues> = {
  entity: 'coding_lab_versions',
  table: 'coding_lab_versions',
  required: ['id', 'submissionId'],
  select: versionSelect('coding_lab_versions', 'coding_lab_submissions', 'taskId', [
    'title',
    'summary',
    'html',
    'css',
    'js',
    'artifactType',
    'archivePath',
    'createdAt',
    'lockedAt',
  ]),
  async map(row, ctx, warn) {
    const owner = await versionOwner(row, 'coding_lab_submissions', 'coding_lab_tasks', ctx);
    if ('skip' in owner) return owner;
    if (str(row.title)?.trim() || str(row.summary)?.trim()) warn('title_summary_not_kept');
    let files = paneFiles(row, warn);
    let error: string | null = null;
    const archive = str(row.archivePath)?.trim();
    if (archive) {
      const unpacked = await archiveFiles(archive, ctx, warn);
      if (unpacked) files = unpacked;
      // shown with the version, so a teacher sees why it holds less than the student uploaded
      else error = `legacy archive not imported (missing or unreadable): ${archive}`;
    }
    return { ...owner, files, error, created_at: iso(row.lockedAt) ?? iso(row.createdAt) ?? new Date().toISOString() };
  },
  write: writeVersions,
  legacyKey: (row) => [str(row.submissionId), iso(row.lockedAt) ?? iso(row.createdAt)],
  gemaKeys: versionKeys('coding_lab_versions', 'coding_lab_submissions'),
};

interface EvaluationValues {
  version_id: string;
  project_id: string;
  scores: RubricScore[];
  note: string;
  status: 'returned' | 'graded';
  rubric_total: number;
  grade: number;
  evaluated_by: string | null;
  created_at: string;
}

const EVALUATION_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['version_id', 'uuid'],
  ['project_id', 'uuid'],
  ['scores', 'jsonb'],
  ['note', 'text'],
  ['status', 'text'],
  ['rubric_total', 'double precision'],
  ['grade', 'double precision'],
  ['evaluated_by', 'uuid'],
  ['created_at', 'timestamptz'],
];

async function writeEvaluations(batch: Planned<EvaluationValues>[], tx: Transaction, ctx: ImportContext): Promise<void> {
  const rows = (p: Planned<EvaluationValues>) => ({ ...p.values, id: p.newId });
  await insertRows(ctx.sequelize, tx, 'web_evaluations', EVALUATION_COLUMNS, batch.filter((p) => p.isNew).map(rows));
  await updateRows(ctx.sequelize, tx, 'web_evaluations', EVALUATION_COLUMNS, batch.filter((p) => !p.isNew).map(rows));
}

const evaluationKeys = (entity: string, projectEntity: string) => `SELECT m.legacy_id, ARRAY[pm.legacy_id, e.grade::text]::text[] AS k
  FROM legacy_import_map m
  JOIN web_evaluations e ON e.id = m.new_id
  LEFT JOIN legacy_import_map pm ON pm.entity = '${projectEntity}' AND pm.new_id = e.project_id
 WHERE m.entity = '${entity}'`;

async function grader(ctx: ImportContext, legacyId: unknown, warn: Warn): Promise<string | null> {
  if (!legacyId) return null;
  const id = await ctx.resolve('admins', legacyId);
  if (!id) warn('grader_missing');
  return id ?? null;
}

/** What both generations' evaluations become, once their own columns are read (`at`: null means now). */
async function evaluationValues(
  versionId: string,
  projectId: string,
  { scores, rubricTotal, grade }: Scored,
  ctx: ImportContext,
  warn: Warn,
  legacy: { note: unknown; returned: boolean; grader: unknown; at: string | null },
): Promise<EvaluationValues> {
  return {
    version_id: versionId,
    project_id: projectId,
    scores,
    note: cleanText(legacy.note, warn) ?? '',
    status: legacy.returned ? 'returned' : 'graded',
    rubric_total: rubricTotal,
    grade,
    evaluated_by: await grader(ctx, legacy.grader, warn),
    created_at: legacy.at ?? new Date().toISOString(),
  };
}

/** A legacy score as the grade, within the assignment's points; the rubric's share of them when it has none. */
function gradeOf(score: number | null, rubricTotal: number, rubric: RubricCriterion[], assignmentPoints: number): number {
  if (score !== null && Number.isFinite(score) && score >= 0) return round2(score);
  const max = rubric.reduce((t, c) => t + c.maxPoints, 0);
  return round2(max > 0 ? (assignmentPoints * rubricTotal) / max : 0);
}

interface Scored {
  scores: RubricScore[];
  rubricTotal: number;
  grade: number;
}

/** A first-generation checklist (ticked items, or item scores; a list or an object by item id) as rubric scores. */
function checklistScores(row: Record<string, unknown>, warn: Warn): Scored {
  const p = points(row);
  const rubric = checklistRubric(row.requirements, p, () => undefined);
  const checklist = parseJsonText(row.checklist, warn);
  const entries: Record<string, unknown>[] = Array.isArray(checklist)
    ? checklist.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    : checklist && typeof checklist === 'object'
      ? Object.entries(checklist).map(([id, v]) => (typeof v === 'object' && v !== null ? { id, ...(v as object) } : { id, checked: v }))
      : [];
  const marks = new Map<string, { score: number | null; ticked: boolean; comment: string }>();
  for (const e of entries) {
    const key = slugKey(str(e.id ?? e.key) ?? '', '');
    const ticked = e.checked === true || e.passed === true || e.done === true;
    marks.set(key, { score: num(e.score ?? e.points), ticked, comment: cleanText(e.note ?? e.comment, warn) ?? '' });
  }
  for (const key of marks.keys()) if (!rubric.some((c) => c.key === key)) warn('checklist_item_not_in_rubric');
  const scores = rubric.map((c) => {
    const m = marks.get(c.key);
    if (!m) return { key: c.key, score: 0, comment: '' };
    const score = m.score !== null && m.score >= 0 ? Math.min(m.score, c.maxPoints) : m.ticked ? c.maxPoints : 0;
    return { key: c.key, score, comment: m.comment };
  });
  const rubricTotal = round2(scores.reduce((t, s) => t + s.score, 0));
  return { scores, rubricTotal, grade: gradeOf(num(row.score), rubricTotal, rubric, p) };
}

/** Second-generation rubric scores (one row per criterion) on the task's rubric: every criterion scored, 0 when the teacher left one out. */
function rubricScores(row: Record<string, unknown>, warn: Warn): Scored {
  const rubric = projectRubric(
    parseJsonText(row.project, () => undefined),
    () => undefined,
  );
  const given = new Map<string, RubricScore>();
  for (const r of (Array.isArray(row.rubricScores) ? row.rubricScores : []) as Record<string, unknown>[]) {
    const criterion = CRITERIA[str(r.criterion) ?? ''];
    const c = criterion && rubric.find((x) => x.key === criterion.key);
    if (!c) {
      warn('criterion_not_in_rubric');
      continue;
    }
    const max = num(r.maxScore);
    let score = Math.max(0, num(r.score) ?? 0);
    // a score out of another maximum than the task's rubric is rescaled onto it
    if (max !== null && max > 0 && max !== c.maxPoints) {
      warn('criterion_rescaled');
      score = (score * c.maxPoints) / max;
    }
    given.set(c.key, { key: c.key, score: round2(Math.min(score, c.maxPoints)), comment: cleanText(r.comment, warn) ?? '' });
  }
  if (given.size < rubric.length) warn('criterion_unscored');
  const scores = rubric.map((c) => given.get(c.key) ?? { key: c.key, score: 0, comment: '' });
  const rubricTotal = round2(scores.reduce((t, s) => t + s.score, 0));
  return { scores, rubricTotal, grade: gradeOf(num(row.overallScore), rubricTotal, rubric, rubricPoints(rubric)) };
}

/**
 * First generation: the evaluation of a submission goes to its latest version at the time (the one
 * the teacher saw); its checklist (ticked items, or item scores) becomes the rubric scores.
 */
export const webLabEvaluations: EntitySpec<EvaluationValues> = {
  entity: 'web_lab_evaluations',
  table: 'web_lab_evaluations',
  required: ['id', 'submissionId'],
  select: (s) => {
    const c = (n: string) => `${s.col('web_lab_evaluations', n)} AS "${n}"`;
    const versions = s.hasTable('web_lab_submission_versions');
    // an early copy's versions have no createdAt: then the latest is the last by id
    // (typed, as ORDER BY refuses a bare NULL)
    const at = s.hasColumn('web_lab_submission_versions', 'createdAt') ? 'v."createdAt"' : 'NULL::timestamp';
    const version = versions
      ? `COALESCE(
          (SELECT v.id FROM web_lab_submission_versions v WHERE v."submissionId" = t."submissionId" AND ${at} <= ${s.col('web_lab_evaluations', 'evaluatedAt')}
            ORDER BY ${at} DESC, v.id DESC LIMIT 1),
          (SELECT v.id FROM web_lab_submission_versions v WHERE v."submissionId" = t."submissionId" ORDER BY ${at} DESC, v.id DESC LIMIT 1))`
      : 'NULL';
    return `SELECT t.id, t."submissionId", ${['evaluatedBy', 'score', 'feedback', 'checklist', 'evaluatedAt'].map(c).join(', ')},
                   ${version} AS "versionId", ${s.col('web_lab_submissions', 'status', 'sub')} AS "submissionStatus",
                   ${s.hasTable('web_lab_submissions') ? s.col('web_lab_assignments', 'requirements', 'a') : 'NULL'} AS requirements,
                   ${s.hasTable('web_lab_submissions') ? s.col('web_lab_assignments', 'points', 'a') : 'NULL'} AS points
              FROM web_lab_evaluations t
              ${joinIf(s, 'web_lab_submissions', 'sub', 'sub.id = t."submissionId"')}
              ${s.hasTable('web_lab_submissions') ? joinIf(s, 'web_lab_assignments', 'a', 'a.id = sub."assignmentId"') : ''}
             ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    const projectId = await ctx.resolve('web_lab_submissions', row.submissionId);
    if (!projectId) return skip('orphan_submission');
    // GEMA evaluates a locked version: a submission never locked has nothing to hang the grade on
    const versionId = await ctx.resolve('web_lab_submission_versions', row.versionId);
    if (!versionId) return skip('no_version_to_evaluate');
    return evaluationValues(versionId, projectId, checklistScores(row, warn), ctx, warn, {
      note: row.feedback,
      returned: str(row.submissionStatus) === 'RETURNED',
      grader: row.evaluatedBy,
      at: iso(row.evaluatedAt),
    });
  },
  write: writeEvaluations,
  legacyKey: (row) => [str(row.submissionId), String(checklistScores(row, () => undefined).grade)],
  gemaKeys: evaluationKeys('web_lab_evaluations', 'web_lab_submissions'),
};

/** Second generation: an evaluation of one version, with a score per rubric criterion (`coding_lab_rubric_scores`). */
export const codingLabEvaluations: EntitySpec<EvaluationValues> = {
  entity: 'coding_lab_evaluations',
  table: 'coding_lab_evaluations',
  required: ['id', 'versionId'],
  select: (s) => {
    const c = (n: string) => `${s.col('coding_lab_evaluations', n)} AS "${n}"`;
    const scores = s.hasTable('coding_lab_rubric_scores')
      ? `(SELECT jsonb_agg(jsonb_build_object('criterion', r.criterion, 'score', r.score, 'maxScore', r."maxScore", 'comment', r.comment) ORDER BY r.criterion, r.id)
            FROM coding_lab_rubric_scores r WHERE r."evaluationId" = t.id)`
      : 'NULL';
    const task = s.hasTable('coding_lab_versions') && s.hasTable('coding_lab_submissions');
    return `SELECT t.id, t."versionId", ${s.col('coding_lab_versions', 'submissionId', 'v')} AS "submissionId", ${['reviewerId', 'overallScore', 'overallNote', 'status', 'createdAt', 'updatedAt'].map(c).join(', ')},
                   ${scores} AS "rubricScores", ${task ? s.col('coding_lab_tasks', 'project', 'task') : 'NULL'} AS project
              FROM coding_lab_evaluations t
              ${joinIf(s, 'coding_lab_versions', 'v', 'v.id = t."versionId"')}
              ${s.hasTable('coding_lab_versions') ? joinIf(s, 'coding_lab_submissions', 'sub', 'sub.id = v."submissionId"') : ''}
              ${task ? joinIf(s, 'coding_lab_tasks', 'task', 'task.id = sub."taskId"') : ''}
             ORDER BY t.id`;
  },
  async map(row, ctx, warn) {
    const versionId = await ctx.resolve('coding_lab_versions', row.versionId);
    if (!versionId) return skip('orphan_version');
    const projectId = await ctx.resolve('coding_lab_submissions', row.submissionId);
    if (!projectId) return skip('orphan_submission');
    return evaluationValues(versionId, projectId, rubricScores(row, warn), ctx, warn, {
      note: row.overallNote,
      returned: (str(row.status) ?? '').toUpperCase() === 'RETURNED',
      grader: row.reviewerId,
      at: iso(row.updatedAt) ?? iso(row.createdAt),
    });
  },
  write: writeEvaluations,
  legacyKey: (row) => [str(row.submissionId), String(rubricScores(row, () => undefined).grade)],
  gemaKeys: evaluationKeys('coding_lab_evaluations', 'coding_lab_submissions'),
};
