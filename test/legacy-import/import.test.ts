import crypto from 'node:crypto';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import pg from 'pg';
import request from 'supertest';
import { QueryTypes } from 'sequelize';
import { app, apiDeps } from '../support/deps';
import { bearer } from '../support/factories';
import { User } from '../../common/models';
import { TEST_ENV, TEST_RUN_ID } from '../support/env';
import { until } from '../support/until';
import { getConfig } from '../../common/config';
import { dropDatabase } from '../../common/db/sequelize';
import { createStorage } from '../../common/storage';
import { importLegacy } from '../../common/legacy-import/run';
import type { EntityReport, ImportOptions, ImportReport } from '../../common/legacy-import/types';
import { createLegacyDatabase, seedSchool, seedWebLab, UPLOADED_SITE } from '../../bench/_legacy-school';
import { COPIED_FILE, ODD_NAME, OLD_PASSWORD, seedAwkwardCases } from './awkward-school';
import bcrypt from 'bcrypt';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const pgBase = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const legacyUrl = `${pgBase}/gema_legacy_${TEST_RUN_ID}`;
const filesRoot = path.join(ROOT, 'var', 'test', TEST_RUN_ID, 'legacy-files');

const BULK = { tag: 'bk', students: 150, assignments: 20, submissions: 3000 };

/** What each entity must end up with in GEMA (legacy rows minus the refused ones), and why the rest are refused. */
const EXPECTED: Record<string, { mapped: number; skipped: Record<string, number> }> = {
  admins: { mapped: 12, skipped: { bad_email: 1 } },
  classrooms: { mapped: 12, skipped: {} },
  class_names: { mapped: 12 + 3, skipped: {} },
  students: { mapped: BULK.students + 4, skipped: { duplicate_nis: 1 } },
  assignments: { mapped: BULK.assignments + 2, skipped: {} },
  submissions: { mapped: BULK.submissions + 4, skipped: { orphan_student: 1 } },
  grades: { mapped: 2, skipped: { activity_grade_no_home: 1 } },
  python_tasks: { mapped: 2, skipped: {} },
  python_tests: { mapped: 4, skipped: {} },
  python_submissions: { mapped: BULK.students + 2, skipped: { orphan_student: 1 } },
  exercises: { mapped: 1, skipped: { unsupported_language: 1 } },
  exercise_tests: { mapped: 1, skipped: {} },
  exercise_submissions: { mapped: 1, skipped: { draft_never_submitted: 1 } },
  announcements: { mapped: 1, skipped: {} },
  events: { mapped: 1, skipped: {} },
  contacts: { mapped: 2, skipped: {} },
  discussion_threads: { mapped: 2, skipped: {} },
  discussion_replies: { mapped: 2, skipped: {} },
  web_lab_assignments: { mapped: 2, skipped: {} },
  web_lab_submissions: { mapped: 3, skipped: { orphan_student: 1 } },
  web_lab_submission_versions: { mapped: 3, skipped: { orphan_submission: 1 } },
  web_lab_evaluations: { mapped: 2, skipped: { no_version_to_evaluate: 1 } },
  coding_lab_tasks: { mapped: 2, skipped: {} },
  coding_lab_submissions: { mapped: 3, skipped: {} },
  coding_lab_versions: { mapped: 3, skipped: {} },
  coding_lab_evaluations: { mapped: 2, skipped: {} },
};

/** the GEMA table each entity lands in */
const TABLE: Record<string, string> = {
  admins: 'users',
  classrooms: 'classrooms',
  class_names: 'classrooms',
  students: 'users',
  assignments: 'assignments',
  submissions: 'submissions',
  grades: 'submission_grades',
  python_tasks: 'coding_tasks',
  python_tests: 'coding_test_cases',
  python_submissions: 'coding_submissions',
  exercises: 'coding_tasks',
  exercise_tests: 'coding_test_cases',
  exercise_submissions: 'coding_submissions',
  announcements: 'announcements',
  events: 'school_events',
  contacts: 'contact_messages',
  discussion_threads: 'discussion_threads',
  discussion_replies: 'discussion_replies',
  web_lab_assignments: 'web_assignments',
  web_lab_submissions: 'web_projects',
  web_lab_submission_versions: 'web_versions',
  web_lab_evaluations: 'web_evaluations',
  coding_lab_tasks: 'web_assignments',
  coding_lab_submissions: 'web_projects',
  coding_lab_versions: 'web_versions',
  coding_lab_evaluations: 'web_evaluations',
};

const options = (over: Partial<ImportOptions> = {}): ImportOptions => ({
  mode: 'import',
  adminsAs: 'owners-are-teachers',
  rejudge: false,
  academicYear: '2025/2026',
  filesRoot,
  batchSize: 100,
  ...over,
});

const sql = <T extends object>(query: string, bind: unknown[] = []) => apiDeps().sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });
const one = async <T extends object>(query: string, bind: unknown[] = []) => (await sql<T>(query, bind))[0]!;
const run = (over: Partial<ImportOptions> = {}) =>
  importLegacy(legacyUrl, options(over), { sequelize: apiDeps().sequelize, storage: createStorage(getConfig()) });
const entity = (report: ImportReport, name: string): EntityReport => report.entities.find((e) => e.entity === name)!;
const newIdOf = async (e: string, legacyId: string) =>
  (await one<{ new_id: string }>('SELECT new_id FROM legacy_import_map WHERE entity = $1 AND legacy_id = $2', [e, legacyId])).new_id;
const mapCount = async (e: string) => (await one<{ n: number }>('SELECT count(*)::int AS n FROM legacy_import_map WHERE entity = $1', [e])).n;

describe('legacy import: a school moves from the old GEMA', function () {
  this.timeout(180_000);
  let legacy: pg.Client;
  let first: ImportReport;
  /** the dry run meets every row, so its warnings are the whole school's (the resumed run sees only the rest) */
  let dry: ImportReport;

  before(async () => {
    await dropDatabase(legacyUrl);
    legacy = await createLegacyDatabase(legacyUrl);
    await seedSchool(legacy, { ...BULK, passwordHash: bcrypt.hashSync('bulk-password', 4) });
    await seedAwkwardCases(legacy, filesRoot);
    await seedWebLab(legacy, filesRoot);
  });

  after(async () => {
    await legacy?.end();
    await dropDatabase(legacyUrl);
  });

  it('reports in a dry run what would be imported, what is refused and what has no home, and writes nothing', async () => {
    const report = await run({ mode: 'dry-run' });
    dry = report;
    expect(await mapCount('students')).to.equal(0);
    expect((await one<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE student_number = '2024001'`)).n).to.equal(0);
    for (const [name, want] of Object.entries(EXPECTED)) {
      const e = entity(report, name);
      expect({ name, pending: e.pending, skipped: e.skipped }).to.deep.equal({ name, pending: want.mapped, skipped: want.skipped });
    }
    expect(report.notImported).to.deep.include({ table: 'articles', rows: 2, reason: 'reading: no GEMA API feature' });
    expect(report.notImported.map((n) => n.table)).to.include.members(['galleries', 'chat_sessions', 'coding_evaluations']);
    expect(report.notImported.map((n) => n.table)).not.to.include.members(['web_lab_assignments', 'coding_lab_tasks']);
    expect(report.probe.columnsExtra).to.deep.equal({ students: ['nickname'] });
    expect(report.probe.columnsMissing).to.deep.equal({ python_submissions: ['judge0Token'] });
    expect(report.probe.extraTables).to.deep.equal(['school_settings']);
  });

  it('resumes an import killed mid-run without duplicating a row', async () => {
    const child = spawn(
      TSX,
      ['scripts/import-legacy.ts', '--from', legacyUrl, '--batch-size', '20', '--academic-year', '2025/2026', '--files-root', filesRoot],
      {
        cwd: ROOT,
        env: { ...process.env, ...TEST_ENV },
        stdio: ['ignore', 'ignore', 'ignore'],
        // its own process group: tsx runs the script in a child node, and SIGKILL must reach that one
        detached: true,
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(async () => (await mapCount('submissions')) > 0, 60_000);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
    await exited;
    // the killed process's session (and its import lock) ends when PostgreSQL sees the socket close
    await until(
      async () => (await one<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4711017`)).n === 0,
    );
    const before = await mapCount('submissions');
    // killed between the first and the last batch of submissions
    expect(before).to.be.greaterThan(0).and.lessThan(EXPECTED.submissions!.mapped);

    first = await run();
    expect(first.consistent).to.equal(true);
    for (const [name, want] of Object.entries(EXPECTED)) {
      const rows = await one<{ mapped: number; distinct_new: number; landed: number }>(
        `SELECT count(*)::int AS mapped, count(DISTINCT new_id)::int AS distinct_new,
                (SELECT count(*)::int FROM ${TABLE[name]} x WHERE x.id IN (SELECT new_id FROM legacy_import_map WHERE entity = $1)) AS landed
           FROM legacy_import_map WHERE entity = $1`,
        [name],
      );
      // several spellings of a class name lead to one classroom; every other entity is one row per legacy row
      const distinct = name === 'class_names' ? rows.distinct_new : want.mapped;
      expect({ name, ...rows }).to.deep.equal({ name, mapped: want.mapped, distinct_new: distinct, landed: distinct });
    }
    // nothing landed without its map entry: every legacy student's submissions are exactly the mapped ones
    const landed = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM submissions WHERE student_id IN (SELECT new_id FROM legacy_import_map WHERE entity = 'students')`,
    );
    expect(landed.n).to.equal(EXPECTED.submissions!.mapped);
    expect(entity(first, 'submissions').imported).to.equal(EXPECTED.submissions!.mapped - before);
  });

  it('shows the killed run as interrupted once the next import has started', async () => {
    const runs = await sql<{ status: string; error: string | null }>(`SELECT status, error FROM legacy_import_runs WHERE mode = 'import'`);
    expect(runs).to.have.length(1);
    expect(runs[0]).to.include({ status: 'failed' });
    expect(runs[0]!.error).to.match(/^interrupted/);
  });

  it('compares the key fields of every imported row on both sides and finds them equal', () => {
    for (const name of Object.keys(EXPECTED)) {
      const c = entity(first, name).checksum!;
      expect({ name, match: c.match, rows: c.rows, differing: c.differing }).to.deep.equal({
        name,
        match: true,
        rows: EXPECTED[name]!.mapped,
        differing: [],
      });
      expect(c.legacy).to.equal(c.gema);
    }
  });

  it('lets an imported student sign in with the old password, by email and by NIS', async () => {
    await request(app()).post('/api/v2/auth/login').send({ email: 'ani@legacy.school', password: OLD_PASSWORD }).expect(200);
    await request(app()).post('/api/v2/auth/login').send({ nis: '2024001', password: OLD_PASSWORD }).expect(200);
    // no email in the old app: verified so the NIS works
    await request(app()).post('/api/v2/auth/login').send({ nis: '2024002', password: OLD_PASSWORD }).expect(200);
    await request(app()).post('/api/v2/auth/login').send({ nis: '2024001', password: 'not-the-old-one' }).expect(401);
  });

  it('carries an inactive student over as suspended, with the password still checked first', async () => {
    const res = await request(app()).post('/api/v2/auth/login').send({ nis: '2024005', password: OLD_PASSWORD }).expect(403);
    expect(res.body.error.code).to.equal('ACCOUNT_SUSPENDED');
  });

  it('keeps odd Unicode byte for byte and strips a NUL from JSON text with a warning', async () => {
    const zoe = await one<{ name: string }>('SELECT name FROM users WHERE id = $1', [await newIdOf('students', 'aw_s5')]);
    expect(zoe.name).to.equal(ODD_NAME);
    const a = await one<{ description: string }>('SELECT description FROM assignments WHERE id = $1', [await newIdOf('assignments', 'aw_as1')]);
    expect(a.description).to.include('nulhere');
    expect(entity(dry, 'assignments').warnings.nul_stripped).to.equal(1);
    const t = await one<{ tags: string[] }>('SELECT tags FROM coding_tasks WHERE id = $1', [await newIdOf('python_tasks', 'aw_pt1')]);
    expect(t.tags).to.include('ab');
  });

  it('makes teachers of admins who own a classroom and attaches them, and a classroom for a class name without a row', async () => {
    const a1 = await one<{ role: string; email: string }>('SELECT role, email FROM users WHERE id = $1', [await newIdOf('admins', 'aw_a1')]);
    expect(a1).to.deep.equal({ role: 'teacher', email: 'guru.satu@legacy.school' });
    const a2 = await one<{ role: string }>('SELECT role FROM users WHERE id = $1', [await newIdOf('admins', 'aw_a2')]);
    expect(a2.role).to.equal('admin');
    const xia = await newIdOf('classrooms', 'aw_c1');
    const teachers = await sql<{ teacher_id: string }>('SELECT teacher_id FROM classroom_teachers WHERE classroom_id = $1', [xia]);
    expect(teachers.map((t) => t.teacher_id)).to.deep.equal([await newIdOf('admins', 'aw_a1')]);
    const s2 = await one<{ classroom_id: string; name: string }>(
      'SELECT u.classroom_id, c.name FROM users u JOIN classrooms c ON c.id = u.classroom_id WHERE u.id = $1',
      [await newIdOf('students', 'aw_s2')],
    );
    // the first spelling met names it
    expect(s2.name.toLowerCase()).to.equal('xii-c');
    // " xii-c " is the same class
    const s4 = await one<{ classroom_id: string }>('SELECT classroom_id FROM users WHERE id = $1', [await newIdOf('students', 'aw_s4')]);
    expect(s4.classroom_id).to.equal(s2.classroom_id);
    expect(entity(dry, 'classrooms').warnings.teacher_missing).to.equal(1);
  });

  it('keeps a student whose email clashes once lower-cased, without the email, reachable by NIS', async () => {
    const s4 = await one<{ email: string | null; student_number: string }>('SELECT email, student_number FROM users WHERE id = $1', [
      await newIdOf('students', 'aw_s4'),
    ]);
    expect(s4).to.deep.equal({ email: null, student_number: '2024004' });
    expect(entity(dry, 'students').warnings.duplicate_email_dropped).to.equal(1);
  });

  it('keeps Cloudinary files as references, copies readable local files and records a missing one', async () => {
    const files = await sql<{ legacy_id: string; state: string; file_id: string | null }>(
      `SELECT m.legacy_id, f.state, f.file_id FROM legacy_submission_files f
         JOIN legacy_import_map m ON m.entity = 'submissions' AND m.new_id = f.submission_id
        WHERE m.legacy_id IN ('aw_sub1', 'aw_sub2', 'aw_sub3') ORDER BY m.legacy_id`,
    );
    expect(files.map((f) => [f.legacy_id, f.state])).to.deep.equal([
      ['aw_sub1', 'external'],
      ['aw_sub2', 'copied'],
      ['aw_sub3', 'missing'],
    ]);
    const stored = await one<{ sha256: string; size: number }>('SELECT sha256, size FROM files WHERE id = $1', [files[1]!.file_id]);
    expect(stored).to.deep.equal({ sha256: crypto.createHash('sha256').update(COPIED_FILE).digest('hex'), size: COPIED_FILE.length });
    const link = await one<{ n: number }>('SELECT count(*)::int AS n FROM submission_files WHERE file_id = $1', [files[1]!.file_id]);
    expect(link.n).to.equal(1);
    expect(entity(dry, 'submissions').warnings.file_missing).to.equal(1);
  });

  it('carries grades, feedback, attempts and late flags, and a grade by a vanished admin without its grader', async () => {
    const sub1 = await one<{ grade: number; graded_by: string; attempt: number; status: string }>(
      'SELECT grade, graded_by, attempt, status FROM submissions WHERE id = $1',
      [await newIdOf('submissions', 'aw_sub1')],
    );
    expect(sub1).to.deep.equal({ grade: 87.5, graded_by: await newIdOf('admins', 'aw_a1'), attempt: 1, status: 'graded' });
    const sub2 = await one<{ attempt: number }>('SELECT attempt FROM submissions WHERE id = $1', [await newIdOf('submissions', 'aw_sub2')]);
    expect(sub2.attempt).to.equal(2);
    const sub5 = await one<{ graded_by: string | null; days_late: number; grade: number }>(
      'SELECT graded_by, days_late, grade FROM submissions WHERE id = $1',
      [await newIdOf('submissions', 'aw_sub5')],
    );
    expect(sub5).to.deep.equal({ graded_by: null, days_late: 3, grade: 70 });
    const g2 = await one<{ grade: number; raw_grade: number; graded_by: string | null }>(
      'SELECT grade, raw_grade, graded_by FROM submission_grades WHERE id = $1',
      [await newIdOf('grades', 'aw_g2')],
    );
    expect(g2).to.deep.equal({ grade: 70, raw_grade: 35, graded_by: null });
    expect(entity(dry, 'grades').warnings).to.deep.equal({ rescaled_to_100: 1, grader_missing: 1 });
  });

  it('keeps hidden test cases hidden and coding submissions as history with their recorded outcome', async () => {
    const tests = await sql<{ name: string; visibility: string; position: number }>(
      'SELECT name, visibility, position FROM coding_test_cases WHERE task_id = $1 ORDER BY position',
      [await newIdOf('python_tasks', 'aw_pt1')],
    );
    expect(tests).to.deep.equal([
      { name: 'contoh', visibility: 'show', position: 1 },
      { name: 'rahasia', visibility: 'hide', position: 2 },
    ]);
    const hidden = await one<{ visibility: string }>('SELECT visibility FROM coding_test_cases WHERE id = $1', [
      await newIdOf('exercise_tests', 'aw_ctc1'),
    ]);
    expect(hidden.visibility).to.equal('hide');
    const outcomes = await sql<{ legacy_id: string; status: string; verdict: string | null; score: number; job_id: string | null }>(
      `SELECT m.legacy_id, s.status, s.verdict, s.score, s.job_id FROM coding_submissions s
         JOIN legacy_import_map m ON m.new_id = s.id WHERE m.legacy_id IN ('aw_ps1', 'aw_ps2', 'aw_cs1') ORDER BY m.legacy_id`,
    );
    expect(outcomes).to.deep.equal([
      { legacy_id: 'aw_cs1', status: 'completed', verdict: 'accepted', score: 10, job_id: null },
      { legacy_id: 'aw_ps1', status: 'completed', verdict: 'accepted', score: 50, job_id: null },
      { legacy_id: 'aw_ps2', status: 'completed', verdict: 'runtime_error', score: 0, job_id: null },
    ]);
    const task = await one<{ slug: string; languages: string[] }>('SELECT slug, languages FROM coding_tasks WHERE id = $1', [
      await newIdOf('exercises', 'aw_ex1'),
    ]);
    expect(task.languages).to.deep.equal(['javascript']);
  });

  it('brings announcements, events, contact messages with their reply and the forum, sanitised as GEMA sanitises', async () => {
    const an = await one<{ content_html: string; category: string; important: boolean }>(
      'SELECT content_html, category, important FROM announcements WHERE id = $1',
      [await newIdOf('announcements', 'aw_an1')],
    );
    expect(an).to.include({ category: 'class', important: true });
    expect(an.content_html).to.include('<strong>libur</strong>').and.not.include('<script>');
    const ev = await one<{ capacity: number; registered_count: number }>('SELECT capacity, registered_count FROM school_events WHERE id = $1', [
      await newIdOf('events', 'aw_ev1'),
    ]);
    expect(ev).to.deep.equal({ capacity: 50, registered_count: 50 });
    expect(dry.entities.find((e) => e.entity === 'events')!.warnings).to.deep.equal({ registered_above_capacity: 1 });
    const ct = await newIdOf('contacts', 'aw_ct1');
    const contact = await one<{ email: string; status: string }>('SELECT email, status FROM contact_messages WHERE id = $1', [ct]);
    expect(contact).to.deep.equal({ email: 'ortu@mail.test', status: 'replied' });
    const replies = await sql<{ message: string }>('SELECT message FROM contact_replies WHERE contact_id = $1', [ct]);
    expect(replies.map((r) => r.message)).to.deep.equal(['Minggu depan']);
    const th1 = await one<{ author_id: string; reply_count: number }>('SELECT author_id, reply_count FROM discussion_threads WHERE id = $1', [
      await newIdOf('discussion_threads', 'aw_th1'),
    ]);
    expect(th1).to.deep.equal({ author_id: await newIdOf('students', 'aw_s1'), reply_count: 2 });
    const th2 = await one<{ author_id: string | null }>('SELECT author_id FROM discussion_threads WHERE id = $1', [
      await newIdOf('discussion_threads', 'aw_th2'),
    ]);
    expect(th2.author_id).to.equal(null);
  });

  it('makes first-generation web lab assignments with the requirements checklist as their rubric, and says what has no field', async () => {
    const wl1 = await one<{
      rubric: unknown;
      starter_files: unknown;
      published: boolean;
      archived_at: Date | null;
      points: number;
      created_by: string;
    }>('SELECT rubric, starter_files, published, archived_at, points, created_by FROM web_assignments WHERE id = $1', [
      await newIdOf('web_lab_assignments', 'aw_wl1'),
    ]);
    expect(wl1).to.deep.include({ published: true, archived_at: null, points: 100, created_by: await newIdOf('admins', 'aw_a1') });
    // the checklist's own points where it gives them, the rest of the assignment's points shared out
    expect(wl1.rubric).to.deep.equal([
      { key: 'judul', title: 'Ada judul h1', maxPoints: 40 },
      { key: 'warna', title: 'Latar berwarna', maxPoints: 60 },
    ]);
    expect(wl1.starter_files).to.deep.equal([
      { path: 'index.html', encoding: 'utf8', content: '<h1></h1>' },
      { path: 'style.css', encoding: 'utf8', content: 'body {}' },
    ]);
    const wl2 = await one<{ published: boolean; archived_at: Date | null; created_by: string | null }>(
      'SELECT published, archived_at, created_by FROM web_assignments WHERE id = $1',
      [await newIdOf('web_lab_assignments', 'aw_wl2')],
    );
    expect(wl2.published).to.equal(true);
    expect(wl2.archived_at!.toISOString()).to.equal('2025-10-01T08:00:00.000Z');
    expect(wl2.created_by).to.equal(null);
    expect(entity(dry, 'web_lab_assignments').warnings).to.deep.equal({ solution_not_kept: 1, author_missing: 1 });
  });

  it('brings first-generation submissions as projects with their locked versions and checklist evaluations', async () => {
    const project = await newIdOf('web_lab_submissions', 'aw_ws1');
    const p = await one<{ status: string; files: unknown }>('SELECT status, files FROM web_projects WHERE id = $1', [project]);
    expect(p.status).to.equal('graded');
    expect(p.files).to.deep.equal([
      { path: 'index.html', encoding: 'utf8', content: '<h1>Ani</h1>' },
      { path: 'style.css', encoding: 'utf8', content: 'body { background: pink }' },
    ]);
    const versions = await sql<{ id: string; number: number; status: string }>(
      'SELECT id, number, status FROM web_versions WHERE project_id = $1 ORDER BY number',
      [project],
    );
    expect(versions.map((v) => [v.number, v.status])).to.deep.equal([
      [1, 'completed'],
      [2, 'completed'],
    ]);
    const e1 = await one<{ version_id: string; scores: unknown; rubric_total: number; grade: number; status: string; evaluated_by: string }>(
      'SELECT version_id, scores, rubric_total, grade, status, evaluated_by FROM web_evaluations WHERE id = $1',
      [await newIdOf('web_lab_evaluations', 'aw_we1')],
    );
    // the version the teacher saw: the latest one locked before the evaluation
    expect(e1).to.deep.equal({
      version_id: versions[1]!.id,
      scores: [
        { key: 'judul', score: 40, comment: '' },
        { key: 'warna', score: 60, comment: '' },
      ],
      rubric_total: 100,
      grade: 85,
      status: 'graded',
      evaluated_by: await newIdOf('admins', 'aw_a1'),
    });
    const e2 = await one<{ scores: unknown; status: string; evaluated_by: string | null; grade: number }>(
      'SELECT scores, status, evaluated_by, grade FROM web_evaluations WHERE id = $1',
      [await newIdOf('web_lab_evaluations', 'aw_we2')],
    );
    expect(e2).to.deep.equal({
      scores: [
        { key: 'judul', score: 40, comment: '' },
        { key: 'warna', score: 0, comment: '' },
      ],
      status: 'returned',
      evaluated_by: null,
      grade: 40,
    });
    expect(entity(dry, 'web_lab_evaluations').warnings).to.deep.equal({ checklist_item_not_in_rubric: 1, grader_missing: 1 });
  });

  it('makes second-generation tasks with their rubric and file tree, refusing a path outside the project', async () => {
    const ct1 = await one<{ rubric: unknown; points: number; starter_files: unknown; description: string }>(
      'SELECT rubric, points, starter_files, description FROM web_assignments WHERE id = $1',
      [await newIdOf('coding_lab_tasks', 'aw_ct1')],
    );
    expect(ct1.rubric).to.deep.equal([
      { key: 'html', title: 'HTML structure', maxPoints: 30 },
      { key: 'css', title: 'CSS and responsiveness', maxPoints: 30 },
      { key: 'creativity', title: 'Creativity / brief', maxPoints: 40 },
    ]);
    expect(ct1.points).to.equal(100);
    expect(ct1.starter_files).to.deep.equal([{ path: 'index.html', encoding: 'utf8', content: '<main></main>' }]);
    expect(ct1.description).to.include('Kartu nama digital').and.include('Class level: XI');
    const ct2 = await one<{ rubric: { key: string }[] }>('SELECT rubric FROM web_assignments WHERE id = $1', [
      await newIdOf('coding_lab_tasks', 'aw_ct2'),
    ]);
    expect(ct2.rubric.map((c) => c.key)).to.deep.equal(['html', 'css', 'js', 'quality', 'creativity']);
    expect(entity(dry, 'coding_lab_tasks').warnings).to.deep.equal({ file_path_refused: 1 });
  });

  it('unpacks a readable uploaded archive into the project and its version, and records one that is gone', async () => {
    const site = Object.entries(UPLOADED_SITE)
      .map(([p, content]) => ({ path: p, encoding: 'utf8', content }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    const draft = await one<{ files: unknown; status: string }>('SELECT files, status FROM web_projects WHERE id = $1', [
      await newIdOf('coding_lab_submissions', 'aw_cls2'),
    ]);
    expect(draft).to.deep.equal({ files: site, status: 'submitted' });
    const v2 = await one<{ files: unknown; error: string | null }>('SELECT files, error FROM web_versions WHERE id = $1', [
      await newIdOf('coding_lab_versions', 'aw_clv2'),
    ]);
    expect(v2).to.deep.equal({ files: site, error: null });
    const v3 = await one<{ files: unknown; error: string }>('SELECT files, error FROM web_versions WHERE id = $1', [
      await newIdOf('coding_lab_versions', 'aw_clv3'),
    ]);
    // the editor's panes are what is left of it
    expect(v3.files).to.deep.equal([{ path: 'index.html', encoding: 'utf8', content: '<p>v1</p>' }]);
    expect(v3.error).to.include('uploads/hilang.zip');
    expect(entity(dry, 'coding_lab_versions').warnings).to.deep.equal({ archive_missing: 1 });
    expect(entity(dry, 'coding_lab_submissions').warnings).to.deep.equal({ title_summary_not_kept: 1 });
  });

  it('carries second-generation rubric scores per criterion, rescaled onto the task rubric, with a grade by a deleted admin kept', async () => {
    const e1 = await one<{ scores: unknown; rubric_total: number; grade: number; status: string }>(
      'SELECT scores, rubric_total, grade, status FROM web_evaluations WHERE id = $1',
      [await newIdOf('coding_lab_evaluations', 'aw_cle1')],
    );
    expect(e1).to.deep.equal({
      scores: [
        { key: 'html', score: 25, comment: 'semantik' },
        { key: 'css', score: 20, comment: '' },
        { key: 'creativity', score: 35, comment: '' },
      ],
      rubric_total: 80,
      grade: 80,
      status: 'graded',
    });
    const e2 = await one<{ scores: { key: string; score: number }[]; grade: number; status: string; evaluated_by: string | null; note: string }>(
      'SELECT scores, grade, status, evaluated_by, note FROM web_evaluations WHERE id = $1',
      [await newIdOf('coding_lab_evaluations', 'aw_cle2')],
    );
    // 10 of 10 is 20 of the rubric's 20; three criteria the teacher left out count 0; no overall score: the rubric's share of 100
    expect(e2.scores.map((s) => [s.key, s.score])).to.deep.equal([
      ['html', 20],
      ['css', 0],
      ['js', 0],
      ['quality', 15],
      ['creativity', 0],
    ]);
    expect(e2).to.deep.include({ grade: 35, status: 'returned', evaluated_by: null, note: 'Perbaiki warna' });
    expect(entity(dry, 'coding_lab_evaluations').warnings).to.deep.equal({
      criterion_not_in_rubric: 1,
      criterion_rescaled: 1,
      criterion_unscored: 1,
      grader_missing: 1,
    });
  });

  it('shows an imported student their web lab project, version and evaluation through the web lab API', async () => {
    const student = (await User.findByPk(await newIdOf('students', 'aw_s1')))!;
    const assignment = await newIdOf('web_lab_assignments', 'aw_wl1');
    const draft = await request(app()).get(`/api/v2/web-lab/assignments/${assignment}/draft`).set(bearer(student)).expect(200);
    expect(draft.body.data).to.deep.include({ projectId: await newIdOf('web_lab_submissions', 'aw_ws1'), status: 'graded', revision: 1 });
    const version = await newIdOf('web_lab_submission_versions', 'aw_wv2');
    const res = await request(app()).get(`/api/v2/web-lab/submissions/${version}`).set(bearer(student)).expect(200);
    expect(res.body.data.evaluations.map((e: { grade: number; note: string }) => [e.grade, e.note])).to.deep.equal([[85, 'Bagus']]);
  });

  it('writes nothing and changes nothing when run again on an unchanged legacy database', async () => {
    const counts = async () =>
      sql<{ t: string; n: number }>(
        `SELECT 'users' AS t, count(*)::int AS n FROM users UNION ALL SELECT 'submissions', count(*)::int FROM submissions
         UNION ALL SELECT 'coding_submissions', count(*)::int FROM coding_submissions UNION ALL SELECT 'classrooms', count(*)::int FROM classrooms`,
      );
    const before = await counts();
    const again = await run();
    for (const e of again.entities)
      expect({ entity: e.entity, imported: e.imported, updated: e.updated }).to.deep.equal({ entity: e.entity, imported: 0, updated: 0 });
    expect(await counts()).to.deep.equal(before);
    expect(again.consistent).to.equal(true);
  });

  it('shows in --verify what changed in the legacy database, without writing it', async () => {
    await legacy.query(`UPDATE students SET "fullName" = 'Ani W. Santoso', "updatedAt" = now() WHERE id = 'aw_s1'`);
    await legacy.query(`UPDATE submissions SET grade = 91, "updatedAt" = now() WHERE id = 'aw_sub1'`);
    const report = await run({ mode: 'verify' });
    expect(entity(report, 'students').pending).to.equal(1);
    expect(entity(report, 'submissions').pending).to.equal(1);
    expect(entity(report, 'submissions').checksum!.differing).to.deep.equal(['aw_sub1']);
    const ani = await one<{ name: string }>('SELECT name FROM users WHERE id = $1', [await newIdOf('students', 'aw_s1')]);
    expect(ani.name).to.equal('Ani Wulandari');
  });

  it('carries a changed legacy row and a new one in the next run, and only those', async () => {
    await legacy.query(`INSERT INTO submissions (id, "assignmentId", "studentId", "filePath", "submittedAt") VALUES
                          ('aw_sub6', 'aw_as1', 'aw_s2', 'https://res.cloudinary.com/demo/raw/upload/v1/baru.pdf', '2026-01-09 08:00:00')`);
    const next = await run();
    expect(entity(next, 'students')).to.include({ imported: 0, updated: 1 });
    expect(entity(next, 'submissions')).to.include({ imported: 1, updated: 1 });
    const ani = await one<{ name: string }>('SELECT name FROM users WHERE id = $1', [await newIdOf('students', 'aw_s1')]);
    expect(ani.name).to.equal('Ani W. Santoso');
    const sub1 = await one<{ grade: number }>('SELECT grade FROM submissions WHERE id = $1', [await newIdOf('submissions', 'aw_sub1')]);
    expect(sub1.grade).to.equal(91);
    expect(next.consistent).to.equal(true);
  });

  it('carries a changed web lab evaluation and a changed rubric score in the next run, without duplicating them', async () => {
    await legacy.query(`UPDATE web_lab_evaluations SET score = 90 WHERE id = 'aw_we1'`);
    await legacy.query(`UPDATE coding_lab_rubric_scores SET score = 30 WHERE id = 'aw_rs1'`);
    await legacy.query(`UPDATE coding_lab_evaluations SET "overallScore" = 85, "updatedAt" = now() WHERE id = 'aw_cle1'`);
    const evaluations = async () => (await one<{ n: number }>('SELECT count(*)::int AS n FROM web_evaluations')).n;
    const before = await evaluations();
    const next = await run();
    expect(entity(next, 'web_lab_evaluations')).to.include({ imported: 0, updated: 1 });
    expect(entity(next, 'coding_lab_evaluations')).to.include({ imported: 0, updated: 1 });
    expect(await evaluations()).to.equal(before);
    const we1 = await one<{ grade: number }>('SELECT grade FROM web_evaluations WHERE id = $1', [await newIdOf('web_lab_evaluations', 'aw_we1')]);
    expect(we1.grade).to.equal(90);
    const cle1 = await one<{ grade: number; scores: { key: string; score: number }[] }>('SELECT grade, scores FROM web_evaluations WHERE id = $1', [
      await newIdOf('coding_lab_evaluations', 'aw_cle1'),
    ]);
    expect(cle1.grade).to.equal(85);
    expect(cle1.scores[0]).to.deep.include({ key: 'html', score: 30 });
    expect(next.consistent).to.equal(true);
  });

  it('keeps the password of a student who signed in to GEMA since, when the legacy row changes again', async () => {
    const id = await newIdOf('students', 'aw_s1');
    await apiDeps().sequelize.query(`UPDATE users SET password_hash = $2, last_login_at = now() WHERE id = $1`, {
      bind: [id, bcrypt.hashSync('a-new-gema-password', 4)],
    });
    await legacy.query(`UPDATE students SET phone = '0812', "updatedAt" = now() WHERE id = 'aw_s1'`);
    await run();
    await request(app()).post('/api/v2/auth/login').send({ nis: '2024001', password: 'a-new-gema-password' }).expect(200);
  });

  it('names the rows whose key fields differ when GEMA no longer matches the legacy database', async () => {
    const id = await newIdOf('students', 'aw_s2');
    await apiDeps().sequelize.query(`UPDATE users SET student_number = '2024999' WHERE id = $1`, { bind: [id] });
    try {
      const report = await run({ mode: 'verify' });
      expect(report.consistent).to.equal(false);
      expect(entity(report, 'students').checksum!.differing).to.deep.equal(['aw_s2']);
    } finally {
      await apiDeps().sequelize.query(`UPDATE users SET student_number = '2024002' WHERE id = $1`, { bind: [id] });
    }
  });

  it("queues newly imported coding submissions for today's grader with --rejudge, and leaves the imported history alone", async () => {
    await legacy.query(`INSERT INTO python_submissions (id, "taskId", "studentId", code, status, score, "totalTests", "passedTests")
                          VALUES ('aw_ps4', 'aw_pt1', 'aw_s2', 'print(6)', 'COMPLETED', 50, 2, 2)`);
    await run({ rejudge: true });
    const id = await newIdOf('python_submissions', 'aw_ps4');
    try {
      const queued = await one<{ status: string; verdict: string | null; job_id: string }>(
        'SELECT status, verdict, job_id FROM coding_submissions WHERE id = $1',
        [id],
      );
      // the worker's sweep enqueues a queued submission under this job id
      expect(queued).to.deep.equal({ status: 'queued', verdict: null, job_id: id });
      const history = await one<{ status: string }>('SELECT status FROM coding_submissions WHERE id = $1', [
        await newIdOf('python_submissions', 'aw_ps1'),
      ]);
      expect(history.status).to.equal('completed');
    } finally {
      // no grading worker in this spec: leave no queued work for other specs' sweeps
      await apiDeps().sequelize.query('DELETE FROM coding_submissions WHERE id = $1', { bind: [id] });
    }
  });

  it('keeps attempt numbers when a legacy submission disappears, and numbers a new one after them', async () => {
    await legacy.query(`DELETE FROM grades WHERE "submissionId" = 'aw_sub1'`);
    await legacy.query(`DELETE FROM submissions WHERE id = 'aw_sub1'`);
    await legacy.query(`UPDATE submissions SET feedback = 'dibaca', "updatedAt" = now() WHERE id = 'aw_sub2'`);
    await legacy.query(`INSERT INTO submissions (id, "assignmentId", "studentId", "filePath", "submittedAt")
                          VALUES ('aw_sub7', 'aw_as1', 'aw_s1', 'https://res.cloudinary.com/demo/raw/upload/v1/v3.pdf', '2026-01-09 09:00:00')`);
    const next = await run();
    expect(entity(next, 'submissions')).to.include({ imported: 1, updated: 1 });
    const attempts = await sql<{ legacy_id: string; attempt: number }>(
      `SELECT m.legacy_id, s.attempt FROM submissions s JOIN legacy_import_map m ON m.entity = 'submissions' AND m.new_id = s.id
        WHERE m.legacy_id IN ('aw_sub1', 'aw_sub2', 'aw_sub7') ORDER BY s.attempt`,
    );
    expect(attempts).to.deep.equal([
      { legacy_id: 'aw_sub1', attempt: 1 },
      { legacy_id: 'aw_sub2', attempt: 2 },
      { legacy_id: 'aw_sub7', attempt: 3 },
    ]);
    // GEMA still holds what the old app deleted: verification names it
    expect(entity(next, 'submissions').checksum!.differing).to.deep.equal(['aw_sub1']);
  });
});
