import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { QueryTypes } from 'sequelize';
import { apiDeps } from '../support/deps';
import { TEST_RUN_ID } from '../support/env';
import { getConfig } from '../../common/config';
import { dropDatabase } from '../../common/db/sequelize';
import { createStorage } from '../../common/storage';
import { importLegacy } from '../../common/legacy-import/run';
import type { EntityReport, ImportReport } from '../../common/legacy-import/types';
import { createLegacyDatabase } from '../../bench/_legacy-school';
import { seedOldCopy } from './old-copy-school';

const ROOT = path.resolve(__dirname, '..', '..');
const pgBase = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const legacyUrl = `${pgBase}/gema_legacy_old_${TEST_RUN_ID}`;
const filesRoot = path.join(ROOT, 'var', 'test', TEST_RUN_ID, 'legacy-old-files');

const sql = <T extends object>(query: string, bind: unknown[] = []) => apiDeps().sequelize.query<T>(query, { bind, type: QueryTypes.SELECT });
const newId = async (entity: string, legacyId: string) =>
  (await sql<{ new_id: string }>('SELECT new_id FROM legacy_import_map WHERE entity = $1 AND legacy_id = $2', [entity, legacyId]))[0]?.new_id;

describe('legacy import: an early, hand-kept copy of the old GEMA', function () {
  this.timeout(120_000);
  let legacy: pg.Client;
  let report: ImportReport;
  /** a dry run without a files root, before the import */
  let dry: ImportReport;
  const entity = (name: string): EntityReport => report.entities.find((e) => e.entity === name)!;
  const w2 = async (legacyId: string) =>
    (
      await sql<{ rubric: unknown; archived_at: Date | null; description: string }>(
        'SELECT rubric, archived_at, description FROM web_assignments WHERE id = $1',
        [await newId('web_lab_assignments', legacyId)],
      )
    )[0]!;

  before(async () => {
    await dropDatabase(legacyUrl);
    legacy = await createLegacyDatabase(legacyUrl);
    await seedOldCopy(legacy, filesRoot);
    dry = await importLegacy(
      legacyUrl,
      { mode: 'dry-run', adminsAs: 'owners-are-teachers', rejudge: true, academicYear: 'next year', batchSize: 100 },
      { sequelize: apiDeps().sequelize },
    );
    report = await importLegacy(
      legacyUrl,
      { mode: 'import', adminsAs: 'owners-are-teachers', rejudge: false, academicYear: '2025/2026', filesRoot, batchSize: 100 },
      { sequelize: apiDeps().sequelize, storage: createStorage(getConfig()) },
    );
  });

  after(async () => {
    await legacy?.end();
    await dropDatabase(legacyUrl);
  });

  const counts = (name: string) => {
    const e = entity(name);
    return { imported: e.imported, skipped: e.skipped, warnings: e.warnings };
  };

  it('reports the createdAt and updatedAt columns the copy lacks, and still imports every table', () => {
    expect(report.probe.columnsMissing.admins).to.deep.equal(['createdAt', 'updatedAt']);
    expect(report.probe.columnsMissing.web_lab_submission_versions).to.deep.equal(['createdAt']);
    expect(report.entities.filter((e) => e.missing)).to.deep.equal([]);
  });

  it('imports an admin whose role is GURU as a teacher with the email as name, warning about a password that is not bcrypt, and refuses an empty email', async () => {
    expect(counts('admins')).to.deep.equal({ imported: 2, skipped: { bad_email: 1 }, warnings: { unusable_password_hash: 1 } });
    const [guru] = await sql<{ role: string; name: string; created_at: Date; updated_at: Date }>(
      'SELECT role, name, created_at, updated_at FROM users WHERE id = $1',
      [await newId('admins', 'ol_a1')],
    );
    expect(guru).to.include({ role: 'teacher', name: 'guru.lama@old.school' });
    expect(guru!.updated_at.getTime()).to.equal(guru!.created_at.getTime());
    const [owner] = await sql<{ role: string }>('SELECT role FROM users WHERE id = $1', [await newId('admins', 'ol_a2')]);
    expect(owner!.role).to.equal('teacher');
  });

  it('refuses a classroom with a blank title and keeps one whose teacher was deleted, without a teacher', async () => {
    expect(counts('classrooms')).to.deep.equal({ imported: 2, skipped: { missing_title: 1 }, warnings: { teacher_missing: 1 } });
    const xd = await newId('classrooms', 'ol_c3');
    expect(await sql('SELECT name FROM classrooms WHERE id = $1', [xd])).to.deep.equal([{ name: 'X-D' }]);
    expect(await sql('SELECT teacher_id FROM classroom_teachers WHERE classroom_id = $1', [xd])).to.deep.equal([]);
  });

  it('imports students whatever their class, status, NIS or phone hold, and refuses a clashing email or one with no usable identifier', async () => {
    expect(counts('students')).to.deep.equal({
      imported: 5,
      skipped: { duplicate_email: 1, bad_email: 1, missing_identifier: 1 },
      warnings: {
        nis_not_accepted_by_login: 1,
        unusable_password_hash: 2,
        unknown_status_as_active: 1,
        nis_too_long_dropped: 1,
        phone_too_long_dropped: 1,
        inactive_as_suspended: 1,
        email_not_verified: 1,
      },
    });
    type U = {
      status: string;
      email: string | null;
      student_number: string | null;
      classroom_id: string | null;
      phone: string | null;
      avatar_url: string | null;
      name: string;
      email_verified_at: Date | null;
      created_at: Date;
    };
    const user = async (legacyId: string) =>
      (
        await sql<U>(
          'SELECT status, email, student_number, classroom_id, phone, avatar_url, name, email_verified_at, created_at FROM users WHERE id = $1',
          [await newId('students', legacyId)],
        )
      )[0]!;
    const siti = await user('ol_s1');
    expect(siti).to.include({ status: 'active', avatar_url: null, phone: '0812' });
    expect(siti.created_at.toISOString()).to.equal('2024-07-15T07:00:00.000Z');
    expect(siti.classroom_id).to.equal(await newId('classrooms', 'ol_c2'));
    const graduated = await user('ol_s2');
    expect(graduated).to.include({ status: 'active', email: null, student_number: 'NIS 3002/B', classroom_id: null, name: 'NIS 3002/B' });
    // with only a NIS there is no address to verify: verified since joining
    expect(graduated.email_verified_at!.toISOString()).to.equal('2024-07-15T07:00:00.000Z');
    const rudi = await user('ol_s3');
    expect(rudi).to.include({ status: 'suspended', student_number: null, phone: null, avatar_url: 'https://old.school/rudi.png' });
    expect((await user('ol_s6')).status).to.equal('suspended');
    expect((await user('ol_s6')).classroom_id).to.equal(null);
    // no NIS and no name: known by the address
    expect(await user('ol_s8')).to.include({ name: 'tanpa.nama@old.school', student_number: null, email_verified_at: null });
  });

  it('reads plain, quoted and broken instruction text and unusable file limits as the defaults, and refuses an assignment with a blank title', async () => {
    expect(counts('assignments')).to.deep.equal({ imported: 5, skipped: { missing_title: 1, missing_due_date: 1 }, warnings: {} });
    type A = { status: string; description: string; allowed_file_types: string[]; max_file_bytes: number };
    const a = async (legacyId: string) =>
      (
        await sql<A>('SELECT status, description, allowed_file_types, max_file_bytes FROM assignments WHERE id = $1', [
          await newId('assignments', legacyId),
        ])
      )[0]!;
    const essay = await a('ol_as1');
    expect(essay).to.include({ status: 'draft', max_file_bytes: 10_485_760 });
    expect(essay.description).to.contain('Subject: Bahasa').and.contain('hanya teks');
    expect(essay.allowed_file_types).to.deep.equal(['pdf', 'doc', 'docx', 'ppt', 'pptx']);
    const poster = await a('ol_as3');
    expect(poster).to.include({ status: 'published', max_file_bytes: 10_485_760 });
    expect(poster.description).to.contain('{"langkah":1}').and.not.contain('Subject');
    expect(poster.allowed_file_types).to.deep.equal(['png', 'jpg']);
    const clipping = await a('ol_as4');
    expect(clipping.description).to.contain('tulis [rapi');
    expect(clipping.max_file_bytes).to.equal(10_485_760);
    expect((await a('ol_as6')).description).to.equal('baca\n{"lalu":"tulis"}');
    expect((await a('ol_as7')).description).to.equal('');
  });

  it('imports submissions without a date, with a negative grade or a deleted grader, and refuses one whose assignment is gone', async () => {
    expect(counts('submissions')).to.deep.equal({
      imported: 5,
      skipped: { orphan_assignment: 1 },
      warnings: { bad_grade_dropped: 1, grader_missing: 1, file_missing: 1 },
    });
    type S = { status: string; grade: number | null; graded_by: string | null; days_late: number; attempt: number };
    const s = async (legacyId: string) =>
      (
        await sql<S>('SELECT status, grade, graded_by, days_late, attempt FROM submissions WHERE id = $1', [await newId('submissions', legacyId)])
      )[0]!;
    expect(await s('ol_sub1')).to.include({ status: 'returned', grade: null });
    expect(await s('ol_sub2')).to.include({ status: 'late', grade: null, graded_by: null, days_late: 4 });
    expect(await s('ol_sub4')).to.include({ status: 'graded', grade: 80 });
  });

  it('stores a local file two attempts share once, as application/octet-stream when the old row had no type', async () => {
    const files = await sql<{ file_id: string; mime_type: string }>(
      `SELECT sf.file_id, f.mime_type FROM submission_files sf JOIN files f ON f.id = sf.file_id WHERE sf.submission_id = ANY($1::uuid[])`,
      [[await newId('submissions', 'ol_sub5'), await newId('submissions', 'ol_sub6')]],
    );
    expect(files).to.have.length(2);
    expect(files[0]!.file_id).to.equal(files[1]!.file_id);
    expect(files[0]!.mime_type).to.equal('application/octet-stream');
  });

  it('refuses quiz grades, grades of deleted submissions and negative scores, and reads a missing maximum as 100', async () => {
    expect(counts('grades')).to.deep.equal({ imported: 1, skipped: { quiz_grade_no_home: 1, orphan_submission: 1, bad_score: 1 }, warnings: {} });
  });

  it('imports Python tasks with NULL limits, an odd difficulty, a slug of punctuation or one already taken, and tags as text', async () => {
    // tags were meant to be JSON: plain comma text is not read as tags, and said so
    expect(counts('python_tasks')).to.deep.equal({ imported: 3, skipped: { missing_title: 1 }, warnings: { bad_json: 1 } });
    type T = {
      slug: string;
      difficulty: string;
      time_limit_ms: number;
      memory_limit_mb: number;
      points: number;
      tags: string[];
      description: string;
    };
    const t = async (legacyId: string) =>
      (
        await sql<T>('SELECT slug, difficulty, time_limit_ms, memory_limit_mb, points, tags, description FROM coding_tasks WHERE id = $1', [
          await newId('python_tasks', legacyId),
        ])
      )[0]!;
    expect(await t('ol_pt1')).to.deep.include({
      slug: 'task',
      difficulty: 'easy',
      time_limit_ms: 5000,
      memory_limit_mb: 128,
      points: 100,
      description: '',
    });
    expect((await t('ol_pt1')).tags).to.deep.equal(['rekursi']);
    expect(await t('ol_pt3')).to.deep.include({ slug: 'faktorial', difficulty: 'easy', time_limit_ms: 20_000, memory_limit_mb: 1024, tags: [] });
    const third = await t('ol_pt4');
    expect(third.slug).to.match(/^faktorial-/);
    expect(third).to.include({ difficulty: 'hard', time_limit_ms: 100, memory_limit_mb: 16 });
  });

  it('refuses test cases and submissions of a task that was not imported, and keeps a submission never judged as failed', async () => {
    expect(counts('python_tests')).to.deep.equal({ imported: 1, skipped: { orphan_task: 1 }, warnings: {} });
    expect(counts('python_submissions')).to.deep.equal({ imported: 4, skipped: { orphan_task: 1 }, warnings: { never_judged: 2 } });
    type P = { status: string; verdict: string | null; error: string | null; score: number };
    const p = async (legacyId: string) =>
      (await sql<P>('SELECT status, verdict, error, score FROM coding_submissions WHERE id = $1', [await newId('python_submissions', legacyId)]))[0]!;
    expect(await p('ol_ps1')).to.include({ status: 'completed', verdict: 'wrong_answer', score: 0 });
    expect(await p('ol_ps2')).to.include({ status: 'failed', verdict: null, error: 'never judged in the old GEMA' });
    expect((await p('ol_ps3')).error).to.equal('Judge0 mati');
    // a NULL status and NULL code: never judged, an empty file
    expect(await p('ol_ps5')).to.include({ status: 'failed', error: 'never judged in the old GEMA' });
  });

  it('imports an exercise with an odd difficulty and NULL points, refusing one without a title and one whose lab names no language', async () => {
    expect(counts('exercises')).to.deep.equal({ imported: 2, skipped: { missing_title: 1, orphan_lab: 1 }, warnings: {} });
    const [ex] = await sql<{ difficulty: string; points: number; time_limit_ms: number; description: string }>(
      'SELECT difficulty, points, time_limit_ms, description FROM coding_tasks WHERE id = $1',
      [await newId('exercises', 'ol_ex1')],
    );
    expect(ex).to.deep.equal({ difficulty: 'easy', points: 10, time_limit_ms: 2000, description: 'Cetak halo\n\nPakai print' });
    expect(counts('exercise_tests')).to.deep.equal({ imported: 2, skipped: { orphan_task: 1 }, warnings: {} });
    const [empty] = await sql<{ stdin: string; expected: string }>('SELECT stdin, expected FROM coding_test_cases WHERE id = $1', [
      await newId('exercise_tests', 'ol_ctc3'),
    ]);
    expect(empty).to.deep.equal({ stdin: '', expected: '' });
  });

  it('reads an exercise submission with a NULL status as a draft and one still EVALUATING as never judged', async () => {
    expect(counts('exercise_submissions')).to.deep.equal({
      imported: 2,
      skipped: { orphan_task: 1, orphan_student: 1, draft_never_submitted: 1 },
      warnings: { never_judged: 1 },
    });
    const [cs] = await sql<{ status: string; finished_at: Date | null; attempt: number }>(
      'SELECT status, finished_at, attempt FROM coding_submissions WHERE id = $1',
      [await newId('exercise_submissions', 'ol_cs1')],
    );
    expect(cs).to.deep.equal({ status: 'failed', finished_at: null, attempt: 1 });
    const [approved] = await sql<{ verdict: string; attempt: number }>('SELECT verdict, attempt FROM coding_submissions WHERE id = $1', [
      await newId('exercise_submissions', 'ol_cs5'),
    ]);
    expect(approved).to.deep.equal({ verdict: 'accepted', attempt: 1 });
  });

  it('reads a checklist that is not a list, or malformed JSON, as the single Overall criterion, and warns about what has no field', async () => {
    expect(counts('web_lab_assignments')).to.deep.equal({
      imported: 3,
      skipped: { missing_title: 1 },
      warnings: { author_missing: 1, template_not_kept: 1, time_limit_not_kept: 1, bad_json: 1 },
    });
    type W = {
      rubric: { key: string; title: string; maxPoints: number }[];
      points: number;
      published: boolean;
      archived_at: Date | null;
      description: string;
      created_by: string | null;
    };
    const w = async (legacyId: string) =>
      (
        await sql<W>('SELECT rubric, points, published, archived_at, description, created_by FROM web_assignments WHERE id = $1', [
          await newId('web_lab_assignments', legacyId),
        ])
      )[0]!;
    const profile = await w('ol_wa1');
    expect(profile).to.deep.include({
      rubric: [{ key: 'overall', title: 'Overall', maxPoints: 100 }],
      points: 100,
      published: false,
      created_by: null,
    });
    expect(profile.description).to.equal('Hints: satu petunjuk');
    expect((await w('ol_wa4')).rubric).to.deep.equal([{ key: 'overall', title: 'Overall', maxPoints: 50 }]);
  });

  it('makes a checklist rubric of priced and unpriced items, renaming a repeated id and dropping an item without a label', async () => {
    const list = await w2('ol_wa3');
    expect(list.rubric).to.deep.equal([
      { key: 'judul', title: 'Ada judul', maxPoints: 4 },
      { key: 'req-2', title: 'Ada gambar', maxPoints: 2.5 },
      { key: 'req-4', title: 'Ada tautan', maxPoints: 2.5 },
      { key: 'req-5', title: 'Ada footer', maxPoints: 1 },
    ]);
    expect(list.archived_at).to.not.equal(null);
    expect(list.description).to.contain('Hints:\n- {"teks":1}').and.contain('Class level: XI · Difficulty: advanced');
  });

  it('refuses web lab submissions and versions whose assignment or submission is gone, reading an unknown status as a draft', async () => {
    expect(counts('web_lab_submissions')).to.deep.equal({ imported: 3, skipped: { orphan_assignment: 1 }, warnings: {} });
    expect(counts('web_lab_submission_versions')).to.deep.equal({ imported: 2, skipped: { orphan_submission: 1 }, warnings: {} });
    const [p] = await sql<{ status: string }>('SELECT status FROM web_projects WHERE id = $1', [await newId('web_lab_submissions', 'ol_ws3')]);
    expect(p!.status).to.equal('draft');
  });

  it('grades a first-generation evaluation by its checklist scores (capped at the item maximum) when it has no score, and a malformed checklist as 0', async () => {
    expect(counts('web_lab_evaluations')).to.deep.equal({
      imported: 2,
      skipped: {},
      warnings: { checklist_item_not_in_rubric: 1, grader_missing: 1, bad_json: 1 },
    });
    type E = {
      grade: number;
      rubric_total: number;
      scores: { key: string; score: number; comment: string }[];
      evaluated_by: string | null;
      note: string;
    };
    const e = async (legacyId: string) =>
      (
        await sql<E>('SELECT grade, rubric_total, scores, evaluated_by, note FROM web_evaluations WHERE id = $1', [
          await newId('web_lab_evaluations', legacyId),
        ])
      )[0]!;
    const ticked = await e('ol_we1');
    expect(ticked.scores).to.deep.equal([
      { key: 'judul', score: 4, comment: 'bagus' },
      { key: 'req-2', score: 0, comment: '' },
      { key: 'req-4', score: 0, comment: '' },
      { key: 'req-5', score: 1, comment: '' },
    ]);
    expect(ticked).to.include({ rubric_total: 5, grade: 5, evaluated_by: null, note: '' });
    const broken = await e('ol_we2');
    expect(broken).to.include({ grade: 0, rubric_total: 0, note: 'ok' });
  });

  it('imports a second-generation task with a partly unknown rubric (capping a weight over 1000) and a file tree with refused paths', async () => {
    expect(counts('coding_lab_tasks')).to.deep.equal({
      imported: 2,
      skipped: { missing_title: 1 },
      warnings: { unknown_criterion_dropped: 2, file_path_refused: 1 },
    });
    type W = {
      rubric: { key: string; maxPoints: number }[];
      starter_files: { path: string; content: string }[];
      published: boolean;
      description: string;
      points: number;
    };
    const t = async (legacyId: string) =>
      (
        await sql<W>('SELECT rubric, starter_files, published, description, points FROM web_assignments WHERE id = $1', [
          await newId('coding_lab_tasks', legacyId),
        ])
      )[0]!;
    const portfolio = await t('ol_ct1');
    expect(portfolio.rubric.map((c) => c.key)).to.have.length(2);
    expect(portfolio.starter_files.map((f) => f.path)).to.deep.equal(['a.css', 'index.html']);
    expect(portfolio.published).to.equal(false);
    expect(portfolio.description).to.contain('Proyek').and.contain('Tags: html, css');
    const gallery = await t('ol_ct3');
    expect(gallery.rubric).to.have.length(5);
    expect(gallery.starter_files).to.deep.equal([]);
    expect(gallery.description).to.contain('Galeri foto').and.contain('Class level: XII · Tags: foto, grid');
  });

  it('unpacks an uploaded draft archive, keeps the panes when the archive is not a ZIP, and refuses drafts of deleted tasks or students', async () => {
    expect(counts('coding_lab_submissions')).to.deep.equal({
      imported: 2,
      skipped: { orphan_task: 1, orphan_student: 1 },
      warnings: { title_summary_not_kept: 1, archive_unreadable: 1 },
    });
    type P = { files: { path: string; content: string }[]; status: string };
    const p = async (legacyId: string) =>
      (await sql<P>('SELECT files, status FROM web_projects WHERE id = $1', [await newId('coding_lab_submissions', legacyId)]))[0]!;
    const uploaded = await p('ol_cls1');
    expect(uploaded.files.map((f) => f.content)).to.deep.equal(['<h1>Lama</h1>']);
    expect(uploaded.status).to.equal('draft');
    const notZip = await p('ol_cls3');
    expect(notZip.files.map((f) => f.content)).to.include('<p>e</p>');
  });

  it('keeps a version whose archive is gone with its panes and says why, and refuses a version of a deleted submission', async () => {
    expect(counts('coding_lab_versions')).to.deep.equal({
      imported: 2,
      skipped: { orphan_submission: 1 },
      warnings: { title_summary_not_kept: 1, archive_missing: 1 },
    });
    const [v] = await sql<{ error: string | null }>('SELECT error FROM web_versions WHERE id = $1', [await newId('coding_lab_versions', 'ol_clv1')]);
    expect(v!.error).to.equal('legacy archive not imported (missing or unreadable): old/gone.zip');
    const [locked] = await sql<{ created_at: Date }>('SELECT created_at FROM web_versions WHERE id = $1', [
      await newId('coding_lab_versions', 'ol_clv2'),
    ]);
    expect(locked!.created_at.toISOString()).to.equal('2025-09-20T10:00:00.000Z');
  });

  it('rescales rubric scores given out of another maximum, scores a left-out criterion 0, and reads status returned in any case', async () => {
    expect(counts('coding_lab_evaluations')).to.deep.equal({
      imported: 2,
      skipped: {},
      warnings: { criterion_not_in_rubric: 1, criterion_unscored: 2, grader_missing: 1 },
    });
    type E = { grade: number; status: string; scores: { key: string; score: number }[] };
    const e = async (legacyId: string) =>
      (await sql<E>('SELECT grade, status, scores FROM web_evaluations WHERE id = $1', [await newId('coding_lab_evaluations', legacyId)]))[0]!;
    const first = await e('ol_ce1');
    expect(first.status).to.equal('graded');
    expect(first.scores.find((s) => s.key === 'html')!.score).to.equal(10);
    const returned = await e('ol_ce2');
    expect(returned).to.include({ status: 'returned', grade: 3 });
  });

  it('refuses site rows without a title, date, email or message, and reads NULL content, counts and categories as empty', async () => {
    expect(counts('announcements')).to.deep.equal({ imported: 2, skipped: { missing_title: 1 }, warnings: {} });
    expect(counts('events')).to.deep.equal({ imported: 1, skipped: { missing_title: 1, missing_date: 1 }, warnings: {} });
    expect(counts('contacts')).to.deep.equal({ imported: 4, skipped: { missing_email: 1, empty_message: 1 }, warnings: {} });
    expect(counts('discussion_threads')).to.deep.equal({ imported: 2, skipped: { missing_title: 1 }, warnings: {} });
    expect(counts('discussion_replies')).to.deep.equal({ imported: 1, skipped: { orphan_thread: 1 }, warnings: {} });
    const [an] = await sql<{ category: string; content: string; excerpt: string | null; link: string | null; view_count: number }>(
      'SELECT category, content, excerpt, link, view_count FROM announcements WHERE id = $1',
      [await newId('announcements', 'ol_an1')],
    );
    expect(an).to.deep.equal({ category: 'system', content: '', excerpt: null, link: null, view_count: 0 });
    const [ev] = await sql<{ capacity: number | null; registered_count: number; location: string | null }>(
      'SELECT capacity, registered_count, location FROM school_events WHERE id = $1',
      [await newId('events', 'ol_ev1')],
    );
    expect(ev).to.deep.equal({ capacity: null, registered_count: 0, location: null });
    const [ct] = await sql<{ name: string; subject: string; status: string; phone: string | null }>(
      'SELECT name, subject, status, phone FROM contact_messages WHERE id = $1',
      [await newId('contacts', 'ol_ct1')],
    );
    expect(ct).to.deep.equal({ name: 'wali@mail.test', subject: '(no subject)', status: 'replied', phone: null });
    const [odd] = await sql<{ status: string }>('SELECT status FROM contact_messages WHERE id = $1', [await newId('contacts', 'ol_ct4')]);
    expect(odd!.status).to.equal('unread');
    const [none] = await sql<{ status: string }>('SELECT status FROM contact_messages WHERE id = $1', [await newId('contacts', 'ol_ct5')]);
    expect(none!.status).to.equal('unread');
    const [read] = await sql<{ status: string }>('SELECT status FROM contact_messages WHERE id = $1', [await newId('contacts', 'ol_ct6')]);
    expect(read!.status).to.equal('read');
    const [uncategorised] = await sql<{ category: string }>('SELECT category FROM announcements WHERE id = $1', [
      await newId('announcements', 'ol_an3'),
    ]);
    expect(uncategorised!.category).to.equal('system');
    const [anonymous] = await sql<{ author_id: string | null }>('SELECT author_id FROM discussion_threads WHERE id = $1', [
      await newId('discussion_threads', 'ol_th3'),
    ]);
    expect(anonymous!.author_id).to.equal(null);
  });

  it('changes nothing when the same copy is imported again', async () => {
    const again = await importLegacy(
      legacyUrl,
      { mode: 'import', adminsAs: 'owners-are-teachers', rejudge: false, academicYear: '2025/2026', filesRoot, batchSize: 100 },
      { sequelize: apiDeps().sequelize, storage: createStorage(getConfig()) },
    );
    const imported = again.entities.filter((e) => e.imported > 0).map((e) => e.entity);
    expect(imported).to.deep.equal([]);
  });

  it('reports a relative file path as missing when no files root is given', () => {
    expect(dry.entities.find((e) => e.entity === 'submissions')!.warnings.file_missing).to.equal(3);
  });
});
