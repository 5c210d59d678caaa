import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcrypt';
import type pg from 'pg';
import { zipOf } from '../../bench/_legacy-school';

export const HASH = bcrypt.hashSync('lama-password-2', 4);

/** the tables whose copy predates the createdAt/updatedAt columns (an early schema of the old app) */
const NO_TIMESTAMPS = [
  'admins',
  'students',
  'classrooms',
  'assignments',
  'submissions',
  'grades',
  'python_coding_tasks',
  'python_test_cases',
  'python_submissions',
  'coding_labs',
  'coding_exercises',
  'coding_test_cases',
  'coding_submissions',
  'announcements',
  'events',
  'contacts',
  'discussion_threads',
  'discussion_replies',
  'web_lab_assignments',
  'web_lab_submissions',
  'web_lab_submission_versions',
  'coding_lab_tasks',
  'coding_lab_submissions',
  'coding_lab_versions',
  'coding_lab_evaluations',
];

/**
 * An early, hand-kept copy of the old GEMA: no createdAt/updatedAt anywhere, constraints the later
 * schema added are absent (NULLs and free-text enums where Prisma would refuse them), and its rows hold
 * what such a copy holds: empty titles, rows whose parent was deleted, malformed JSON in checklist
 * and rubric columns, unknown enum values, files that are gone or are not ZIPs.
 */
export async function seedOldCopy(client: pg.Client, filesRoot: string): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => client.query(sql, params);
  for (const t of NO_TIMESTAMPS) {
    await q(`ALTER TABLE ${t} DROP COLUMN IF EXISTS "createdAt", DROP COLUMN IF EXISTS "updatedAt"`);
  }
  // constraints and enum types a copy kept by hand never had
  const loosen: [string, string[]][] = [
    ['admins', ['role', 'name']],
    ['students', ['status', 'password', 'fullName']],
    ['assignments', ['status', 'allowedFileTypes', 'maxFileSize', 'dueDate']],
    ['submissions', ['status', 'submittedAt']],
    ['grades', ['maxScore', 'gradedAt']],
    ['coding_test_cases', ['input', 'expectedOutput']],
    ['python_coding_tasks', ['difficulty', 'description', 'timeLimit', 'memoryLimit', 'points']],
    ['python_test_cases', ['points']],
    ['python_submissions', ['status', 'score', 'code']],
    ['coding_exercises', ['difficulty', 'points']],
    ['coding_submissions', ['status', 'code', 'attempts']],
    ['announcements', ['category', 'content', 'views', 'publishDate']],
    ['events', ['registered']],
    ['contacts', ['subject', 'name', 'status']],
    ['discussion_threads', ['content', 'authorId']],
    ['discussion_replies', ['content']],
    ['web_lab_assignments', ['status', 'points', 'difficulty']],
    ['web_lab_submissions', ['status']],
    ['coding_lab_submissions', ['status', 'draftArtifact']],
    ['coding_lab_evaluations', ['status']],
  ];
  const ENUMS = new Set(['status', 'difficulty', 'category', 'draftArtifact']);
  for (const [table, cols] of loosen) {
    for (const c of cols) await q(`ALTER TABLE ${table} ALTER COLUMN "${c}" DROP NOT NULL, ALTER COLUMN "${c}" DROP DEFAULT`);
    for (const c of cols.filter((n) => ENUMS.has(n))) await q(`ALTER TABLE ${table} ALTER COLUMN "${c}" TYPE text`);
  }
  await q(`ALTER TABLE coding_lab_tasks ALTER COLUMN tags TYPE text USING array_to_json(tags)::text`);
  await q(`ALTER TABLE coding_lab_tasks ALTER COLUMN project TYPE text, ALTER COLUMN files TYPE text`);
  await q(`ALTER TABLE web_lab_assignments ALTER COLUMN requirements TYPE text, ALTER COLUMN hints TYPE text`);
  await q(`ALTER TABLE web_lab_evaluations ALTER COLUMN checklist TYPE text`);

  fs.mkdirSync(path.join(filesRoot, 'old'), { recursive: true });
  fs.writeFileSync(path.join(filesRoot, 'old', 'not-a-zip.zip'), 'this is not a zip archive');
  fs.writeFileSync(path.join(filesRoot, 'old', 'kliping.txt'), 'kliping koran');
  fs.writeFileSync(path.join(filesRoot, 'old', 'site.zip'), await zipOf({ 'index.html': '<h1>Lama</h1>' }));

  await q(
    `INSERT INTO admins (id, email, password, name, role) VALUES
       ('ol_a1', 'guru.lama@old.school', 'plain-text-password', NULL, 'guru'),
       ('ol_a2', 'super@old.school', $1, 'Super', NULL),
       ('ol_a3', '', $1, 'Tanpa Email', 'ADMIN')`,
    [HASH],
  );
  await q(`INSERT INTO classrooms (id, title, slug, "teacherId") VALUES
             ('ol_c1', '   ', NULL, NULL),
             ('ol_c2', 'X-C', 'X C', 'ol_a2'),
             ('ol_c3', 'X-D', NULL, 'ol_deleted')`);
  await q(
    `INSERT INTO students (id, "studentId", email, password, "fullName", class, phone, status, "isVerified", "profileImage", "joinedAt") VALUES
       ('ol_s1', '3001', 'siti@old.school', $1, 'Siti', 'X-C', '0812', NULL, true, ' ', '2024-07-15 07:00:00'),
       ('ol_s2', 'NIS 3002/B', NULL, 'md5:abc', NULL, NULL, NULL, 'graduated', false, NULL, '2024-07-15 07:00:00'),
       ('ol_s3', '300300300300300300300300', 'rudi@old.school', $1, 'Rudi', 'X-D', '0812345678901234567890123', 'suspended', true,
        'https://old.school/rudi.png', '2024-07-16 07:00:00'),
       ('ol_s4', '   ', 'SITI@old.school', $1, 'Siti Kembar', NULL, NULL, 'active', true, NULL, '2024-07-16 07:00:00'),
       ('ol_s5', ' ', 'bukan-email', $1, 'Tanpa Identitas', NULL, NULL, 'active', true, NULL, '2024-07-16 07:00:00'),
       ('ol_s6', '3006', 'dewi@old.school', NULL, 'Dewi', '  ', NULL, 'inactive', true, NULL, '2024-07-16 07:00:00'),
       ('ol_s7', '    ', NULL, $1, 'Tanpa Apa-apa', NULL, NULL, 'active', true, NULL, '2024-07-16 07:00:00'),
       ('ol_s8', '     ', 'tanpa.nama@old.school', $1, NULL, NULL, NULL, 'active', false, NULL, '2024-07-16 07:00:00')`,
    [HASH],
  );
  await q(`INSERT INTO assignments (id, title, description, subject, "dueDate", status, instructions, "allowedFileTypes", "maxFileSize", "createdBy") VALUES
             ('ol_as1', 'Esai', NULL, 'Bahasa', '2025-09-01 10:00:00', 'upcoming', '"hanya teks"', NULL, NULL, NULL),
             ('ol_as2', ' ', NULL, NULL, '2025-09-01 10:00:00', 'active', NULL, NULL, NULL, NULL),
             ('ol_as3', 'Poster', NULL, '  ', '2025-09-02 10:00:00', NULL, '{"langkah": 1}', 'PNG, .jpg ,', 0, NULL),
             ('ol_as4', 'Kliping', NULL, NULL, '2025-09-03 10:00:00', 'active', 'tulis [rapi', 'pdf', -5, NULL),
             ('ol_as5', 'Tanpa Tenggat', NULL, NULL, NULL, 'active', NULL, 'pdf', 1000, NULL),
             ('ol_as6', 'Daftar Langkah', NULL, NULL, '2025-09-03 10:00:00', 'active', '["baca", {"lalu": "tulis"}]', 'pdf', 1000, NULL),
             ('ol_as7', 'Kutipan Kosong', NULL, NULL, '2025-09-03 10:00:00', 'active', '"  "', 'pdf', 1000, NULL)`);
  await q(`INSERT INTO submissions (id, "assignmentId", "studentId", "filePath", "submittedAt", status, grade, "reviewedBy", "isLate") VALUES
             ('ol_sub1', 'ol_as1', 'ol_s1', NULL, NULL, 'reviewed', NULL, NULL, false),
             ('ol_sub2', 'ol_as1', 'ol_s3', NULL, '2025-09-05 10:00:00', 'late', -5, 'ol_deleted', false),
             ('ol_sub3', 'ol_deleted', 'ol_s1', NULL, '2025-09-05 10:00:00', 'submitted', NULL, NULL, false),
             ('ol_sub4', 'ol_as3', 'ol_s1', '/abs/never/there.pdf', '2025-09-01 10:00:00', 'graded', 80, 'ol_a2', false),
             ('ol_sub5', 'ol_as4', 'ol_s1', 'old/kliping.txt', '2025-09-01 10:00:00', 'submitted', NULL, NULL, false),
             ('ol_sub6', 'ol_as4', 'ol_s1', 'old/kliping.txt', '2025-09-02 10:00:00', 'submitted', NULL, NULL, false)`);
  await q(`INSERT INTO grades (id, "studentId", "submissionId", "quizResponseId", score, "maxScore") VALUES
             ('ol_g1', 'ol_s1', NULL, 'ol_qr1', 5, 10),
             ('ol_g2', 'ol_s1', 'ol_deleted', NULL, 5, 10),
             ('ol_g3', 'ol_s1', 'ol_sub4', NULL, -1, 10),
             ('ol_g4', 'ol_s1', 'ol_sub4', NULL, 8, NULL)`);
  await q(`UPDATE grades SET "gradedAt" = NULL WHERE id = 'ol_g4'`);
  await q(`INSERT INTO python_coding_tasks (id, title, slug, description, difficulty, category, tags, "timeLimit", "memoryLimit", points) VALUES
             ('ol_pt1', 'Faktorial', '!!!', NULL, NULL, ' Rekursi ', 'rekursi, dasar', NULL, NULL, NULL),
             ('ol_pt2', ' ', 'kosong', NULL, 'EASY', NULL, NULL, 5, 128, 100),
             ('ol_pt3', 'Faktorial Lagi', 'faktorial', NULL, 'EXTREME', NULL, '{"bukan": "daftar"}', 999, 4096, 10),
             ('ol_pt4', 'Faktorial Ketiga', 'Faktorial', NULL, 'HARD', NULL, NULL, 0, 1, 10)`);
  await q(`INSERT INTO python_test_cases (id, "taskId", name, input, "expectedOutput", points) VALUES
             ('ol_ptc1', 'ol_pt1', 'satu', '3', '6', NULL),
             ('ol_ptc2', 'ol_pt2', 'yatim', '1', '1', 10)`);
  await q(`INSERT INTO python_submissions (id, "taskId", "studentId", code, status, score, "totalTests", "passedTests", message, "submittedAt") VALUES
             ('ol_ps1', 'ol_pt1', 'ol_s1', 'print(6)', 'COMPLETED', NULL, 2, 1, NULL, '2025-09-10 08:00:00'),
             ('ol_ps2', 'ol_pt1', 'ol_s3', 'print(', 'PENDING', 0, 1, 0, NULL, '2025-09-10 08:00:00'),
             ('ol_ps3', 'ol_pt1', 'ol_s3', 'x', 'FAILED', 0, 1, 0, 'Judge0 mati', '2025-09-10 09:00:00'),
             ('ol_ps4', 'ol_pt2', 'ol_s1', 'x', 'COMPLETED', 0, 1, 1, NULL, '2025-09-10 09:00:00'),
             ('ol_ps5', 'ol_pt3', 'ol_s1', NULL, NULL, 0, 1, 1, NULL, '2025-09-10 09:00:00')`);
  await q(`INSERT INTO coding_labs (id, title, language) VALUES ('ol_lab1', 'Python Dasar', 'python'), ('ol_lab2', 'Tanpa Bahasa', '')`);
  await q(`INSERT INTO coding_exercises (id, "labId", title, description, instructions, difficulty, points, "timeLimit", "starterCode") VALUES
             ('ol_ex1', 'ol_lab1', 'Cetak', 'Cetak halo', 'Pakai print', 'MYSTERY', NULL, NULL, 'print()'),
             ('ol_ex2', 'ol_lab1', ' ', NULL, NULL, NULL, 10, 2, NULL),
             ('ol_ex3', 'ol_lab2', 'Yatim', NULL, NULL, NULL, 10, 2, NULL),
             ('ol_ex4', 'ol_lab1', 'Dua', NULL, NULL, NULL, 10, 2, NULL)`);
  await q(
    `INSERT INTO coding_test_cases (id, "exerciseId", input, "expectedOutput") VALUES ('ol_ctc1', 'ol_ex1', '', 'halo'), ('ol_ctc2', 'ol_ex3', '', 'x'), ('ol_ctc3', 'ol_ex4', NULL, NULL)`,
  );
  await q(`INSERT INTO coding_submissions (id, "exerciseId", "studentId", code, status, score, "submittedAt", attempts) VALUES
             ('ol_cs1', 'ol_ex1', 'ol_s1', 'print("halo")', 'EVALUATING', NULL, NULL, 0),
             ('ol_cs2', 'ol_ex3', 'ol_s1', 'x', 'SUBMITTED', 1, '2025-09-10 08:00:00', 1),
             ('ol_cs3', 'ol_ex1', 'ol_deleted', 'x', 'REJECTED', 0, '2025-09-10 08:00:00', 1),
             ('ol_cs4', 'ol_ex1', 'ol_s3', 'x', NULL, 0, '2025-09-10 08:00:00', 1),
             ('ol_cs5', 'ol_ex4', 'ol_s1', NULL, 'APPROVED', 10, '2025-09-10 08:00:00', NULL)`);
  await q(`INSERT INTO announcements (id, title, excerpt, content, category, link, views, "publishDate") VALUES
             ('ol_an1', 'Rapat', ' ', NULL, 'LAINNYA', ' ', NULL, '2025-09-01 07:00:00'),
             ('ol_an2', '  ', NULL, 'isi', 'KELAS', NULL, 3, '2025-09-01 07:00:00'),
             ('ol_an3', 'Tanpa Kategori', NULL, 'isi', NULL, NULL, 3, NULL)`);
  await q(`INSERT INTO events (id, title, date, location, capacity, registered) VALUES
             ('ol_ev1', 'Lomba', '2025-10-01 07:00:00', ' ', 0, NULL),
             ('ol_ev2', ' ', '2025-10-01 07:00:00', NULL, NULL, 0)`);
  await q(`ALTER TABLE events ALTER COLUMN date DROP NOT NULL`);
  await q(`INSERT INTO events (id, title, date) VALUES ('ol_ev3', 'Tanpa Tanggal', NULL)`);
  await q(`INSERT INTO contacts (id, name, email, phone, subject, message, status, "adminReply") VALUES
             ('ol_ct1', NULL, 'wali@mail.test', ' ', NULL, 'Halo', 'replied', 'Sudah'),
             ('ol_ct2', 'Tanpa', ' ', NULL, 'x', 'Halo', 'unread', NULL),
             ('ol_ct3', 'Kosong', 'kosong@mail.test', NULL, 'x', '  ', 'unread', NULL),
             ('ol_ct4', 'Aneh', 'aneh@mail.test', NULL, 'x', 'Halo', 'archived', NULL),
             ('ol_ct5', 'Tanpa Status', 'status@mail.test', NULL, 'x', 'Halo', NULL, NULL),
             ('ol_ct6', 'Dibaca', 'dibaca@mail.test', NULL, 'x', 'Halo', 'read', NULL)`);
  await q(`INSERT INTO discussion_threads (id, title, "authorId", "authorName", content) VALUES
             ('ol_th1', 'Tanya', 'ol_s1', 'Siti', NULL),
             ('ol_th2', ' ', 'ol_s1', 'Siti', 'x'),
             ('ol_th3', 'Anonim', NULL, 'Tamu', 'x')`);
  await q(`ALTER TABLE discussion_replies DROP CONSTRAINT discussion_replies_threadId_fkey`).catch(() =>
    q(`ALTER TABLE discussion_replies DROP CONSTRAINT "discussion_replies_threadId_fkey"`),
  );
  await q(`INSERT INTO discussion_replies (id, "threadId", "authorId", "authorName", content) VALUES
             ('ol_rp1', 'ol_th1', 'ol_s1', 'Siti', NULL),
             ('ol_rp2', 'ol_deleted', 'ol_s1', 'Siti', 'x')`);

  // first-generation web lab
  await q(
    `INSERT INTO web_lab_assignments (id, title, difficulty, "classLevel", requirements, hints, points, "timeLimit", template, status, "createdBy") VALUES
             ('ol_wa1', 'Profil', NULL, ' ', '{"bukan": "daftar"}', '"satu petunjuk"', NULL, NULL, NULL, NULL, 'ol_deleted'),
             ('ol_wa2', '  ', 'BEGINNER', NULL, NULL, NULL, 100, NULL, NULL, 'DRAFT', NULL),
             ('ol_wa3', 'Daftar', 'ADVANCED', 'XI', $1, '[{"teks": 1}]', 10, 30, 'blank', 'ARCHIVED', NULL),
             ('ol_wa4', 'Rusak', 'BEGINNER', NULL, '[tidak json', '[]', 50, NULL, NULL, 'PUBLISHED', NULL)`,
    [
      JSON.stringify([
        { id: 'judul', label: 'Ada judul', points: 4 },
        { id: 'judul', text: 'Ada gambar' },
        { key: 'x', title: ' ' },
        'Ada tautan',
        { description: 'Ada footer', maxPoints: 1 },
      ]),
    ],
  );
  await q(`INSERT INTO web_lab_submissions (id, "assignmentId", "studentId", html, status) VALUES
             ('ol_ws1', 'ol_wa1', 'ol_s1', '<p>a</p>', NULL),
             ('ol_ws2', 'ol_deleted', 'ol_s1', NULL, 'SUBMITTED'),
             ('ol_ws3', 'ol_wa3', 'ol_s1', '<p>b</p>', 'PENDING'),
             ('ol_ws4', 'ol_wa4', 'ol_s1', '<p>c</p>', 'GRADED')`);
  await q(`INSERT INTO web_lab_submission_versions (id, "submissionId", html) VALUES
             ('ol_wv1', 'ol_ws3', '<p>b</p>'), ('ol_wv2', 'ol_ws2', '<p>yatim</p>'), ('ol_wv3', 'ol_ws4', '<p>c</p>')`);
  await q(
    `INSERT INTO web_lab_evaluations (id, "submissionId", "evaluatedBy", score, feedback, checklist) VALUES
             ('ol_we1', 'ol_ws3', 'ol_deleted', NULL, NULL, $1),
             ('ol_we2', 'ol_ws4', NULL, NULL, 'ok', '[rusak')`,
    [JSON.stringify([{ id: 'judul', score: 99, note: 'bagus' }, { key: 'req-5', done: true }, { id: 'lain', checked: true }, 'bukan objek'])],
  );

  // second-generation web lab
  await q(
    `INSERT INTO coding_lab_tasks (id, title, "classLevel", tags, project, files, "isActive") VALUES
             ('ol_ct1', 'Portofolio', NULL, 'html, css', $1, $2, false),
             ('ol_ct2', ' ', NULL, NULL, NULL, NULL, true),
             ('ol_ct3', 'Galeri', 'XII', '["foto","grid"]', $3, '{"bukan": "daftar"}', true)`,
    [
      JSON.stringify({
        title: 'Proyek',
        rubric: ['HTML_STRUCTURE', { key: 'css_responsive', maxPoints: 5000 }, { criterion: 'SPEED', maxScore: 5 }],
      }),
      JSON.stringify([
        null,
        'teks',
        { path: 'index.html', content: '<h1>x</h1>' },
        { path: 'INDEX.html', content: 'dua' },
        { path: '../luar.js' },
        { content: 'tanpa path' },
        { path: 'a.css' },
      ]),
      JSON.stringify({ description: 'Galeri foto', rubric: [{ criterion: 'NOPE' }] }),
    ],
  );
  await q(`INSERT INTO coding_lab_submissions (id, "taskId", "studentId", title, status, "draftHtml", "draftArtifact", "draftArchivePath") VALUES
             ('ol_cls1', 'ol_ct1', 'ol_s1', 'Judul saya', NULL, '<p>d</p>', 'UPLOAD', 'old/site.zip'),
             ('ol_cls2', 'ol_deleted', 'ol_s1', NULL, 'SUBMITTED', NULL, 'EDITOR', NULL),
             ('ol_cls3', 'ol_ct3', 'ol_s1', NULL, 'WEIRD', '<p>e</p>', 'UPLOAD', 'old/not-a-zip.zip'),
             ('ol_cls4', 'ol_ct1', 'ol_deleted', NULL, 'DRAFT', NULL, NULL, NULL)`);
  await q(`INSERT INTO coding_lab_versions (id, "submissionId", summary, html, "archivePath", "lockedAt") VALUES
             ('ol_clv1', 'ol_cls1', 'ringkas', '<p>v</p>', 'old/gone.zip', NULL),
             ('ol_clv2', 'ol_cls3', NULL, '<p>w</p>', NULL, '2025-09-20 10:00:00'),
             ('ol_clv3', 'ol_deleted', NULL, NULL, NULL, NULL)`);
  await q(`INSERT INTO coding_lab_evaluations (id, "submissionId", "versionId", "reviewerId", "overallScore", "overallNote", status) VALUES
             ('ol_ce1', 'ol_cls1', 'ol_clv1', 'ol_deleted', NULL, NULL, NULL),
             ('ol_ce2', 'ol_cls3', 'ol_clv2', 'ol_a2', 3, 'kembali', 'returned')`);
  await q(`INSERT INTO coding_lab_rubric_scores (id, "evaluationId", criterion, score, "maxScore") VALUES
             ('ol_rs1', 'ol_ce1', 'HTML_STRUCTURE', 10, 20),
             ('ol_rs2', 'ol_ce1', 'JS_INTERACTIVITY', 5, 5)`);
}
