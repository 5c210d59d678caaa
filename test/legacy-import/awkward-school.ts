import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcrypt';
import type pg from 'pg';

export const OLD_PASSWORD = 'lama-password-1';
const hashB = bcrypt.hashSync(OLD_PASSWORD, 4);
/** the same bcrypt hash as other implementations write it */
const hashA = `$2a$${hashB.slice(4)}`;
const hashY = `$2y$${hashB.slice(4)}`;

export const ODD_NAME = 'Zoë 👩‍💻 مرحبا\u200bX\u0301';
export const COPIED_FILE = Buffer.from('%PDF-1.4 laporan versi dua\n');

/**
 * The rows a real school's database holds that a generated one does not: every awkward case the
 * importer must take without failing or duplicating (a class with no classroom row, a student
 * without email, a NIS and an email that clash once trimmed and lower-cased, a submission whose
 * file is gone, a grade by an admin who no longer exists, a hidden test case, a NUL byte inside
 * JSON text, odd Unicode).
 */
export async function seedAwkwardCases(client: pg.Client, filesRoot: string): Promise<void> {
  fs.mkdirSync(path.join(filesRoot, 'uploads'), { recursive: true });
  fs.writeFileSync(path.join(filesRoot, 'uploads', 'ani-v2.pdf'), COPIED_FILE);
  const q = (sql: string, params: unknown[] = []) => client.query(sql, params);
  await q(
    `INSERT INTO admins (id, email, password, name, role) VALUES
       ('aw_a1', ' Guru.Satu@Legacy.School ', $1, 'Guru Satu', 'ADMIN'),
       ('aw_a2', 'kepala@legacy.school', $1, 'Kepala Sekolah', 'ADMIN'),
       ('aw_a3', 'not-an-email', $1, 'Salah Ketik', 'ADMIN')`,
    [hashB],
  );
  await q(`INSERT INTO classrooms (id, title, slug, "teacherId") VALUES
             ('aw_c1', 'XI-A', 'xi-a', 'aw_a1'), ('aw_c2', 'X-B', 'x-b', 'aw_gone')`);
  await q(
    `INSERT INTO students (id, "studentId", email, password, "fullName", class, status, "isVerified", "lastLoginAt") VALUES
       ('aw_s1', '2024001', 'Ani@Legacy.School', $1, 'Ani Wulandari', 'XI-A', 'active', true, '2025-11-01 07:00:00'),
       ('aw_s2', '2024002', NULL, $2, 'Bayu Tanpa Email', 'XII-C', 'active', false, NULL),
       ('aw_s3', ' 2024001 ', 'budi@legacy.school', $2, 'Budi Kembar', 'XI-A', 'active', true, NULL),
       ('aw_s4', '2024004', 'ani@legacy.school', $2, 'Ani Kedua', ' xii-c ', 'active', true, NULL),
       ('aw_s5', '2024005', 'zoe@legacy.school', $3, $4, 'XI-A', 'inactive', true, NULL)`,
    [hashY, hashB, hashA, ODD_NAME],
  );
  await q(`INSERT INTO assignments (id, title, description, "dueDate", status, instructions, "createdBy") VALUES
             ('aw_as1', 'Laporan Praktikum', 'Tulis laporan', '2026-01-10 10:00:00', 'active', '["Langkah 1","nul\\u0000here"]', 'aw_a1'),
             ('aw_as2', 'Tugas Lama', NULL, '2025-12-01 10:00:00', 'closed', NULL, 'aw_gone')`);
  await q(`INSERT INTO submissions (id, "assignmentId", "studentId", "originalFileName", "filePath", "mimeType", "submittedAt", status, grade,
                                    "reviewedAt", "reviewedBy", "isLate") VALUES
             ('aw_sub1', 'aw_as1', 'aw_s1', 'laporan.pdf', 'https://res.cloudinary.com/demo/raw/upload/v1/laporan.pdf', 'application/pdf',
              '2026-01-05 08:00:00', 'graded', 87.5, '2026-01-06 09:00:00', 'aw_a1', false),
             ('aw_sub2', 'aw_as1', 'aw_s1', 'laporan-v2.pdf', 'uploads/ani-v2.pdf', 'application/pdf', '2026-01-07 08:00:00', 'submitted',
              NULL, NULL, NULL, false),
             ('aw_sub3', 'aw_as1', 'aw_s2', 'hilang.pdf', 'uploads/gone.pdf', 'application/pdf', '2026-01-08 08:00:00', 'submitted',
              NULL, NULL, NULL, false),
             ('aw_sub4', 'aw_as1', 'aw_s3', 'budi.pdf', 'https://res.cloudinary.com/demo/raw/upload/v1/budi.pdf', NULL,
              '2026-01-08 09:00:00', 'submitted', NULL, NULL, NULL, false),
             ('aw_sub5', 'aw_as2', 'aw_s5', 'zoe.pdf', 'https://res.cloudinary.com/demo/raw/upload/v1/zoe.pdf', NULL,
              '2025-12-03 12:00:00', 'late', 70, '2025-12-05 09:00:00', 'aw_gone', true)`);
  await q(`INSERT INTO grades (id, "studentId", "submissionId", "activityId", score, "maxScore", "gradedBy", "gradedAt") VALUES
             ('aw_g1', 'aw_s1', 'aw_sub1', NULL, 87.5, 100, 'aw_a1', '2026-01-06 09:00:00'),
             ('aw_g2', 'aw_s5', 'aw_sub5', NULL, 35, 50, 'aw_gone', '2025-12-05 09:00:00'),
             ('aw_g3', 'aw_s1', NULL, 'act-1', 90, 100, 'aw_a1', '2025-10-01 09:00:00')`);
  await q(`INSERT INTO python_coding_tasks (id, title, slug, description, difficulty, tags, "starterCode", points) VALUES
             ('aw_pt1', 'Hitung Luas', 'Hitung Luas!', 'Luas persegi panjang', 'MEDIUM', '["geometri","a\\u0000b"]', 'p, l = 0, 0', 50)`);
  await q(`INSERT INTO python_test_cases (id, "taskId", name, input, "expectedOutput", "isHidden", "order") VALUES
             ('aw_ptc1', 'aw_pt1', 'contoh', '2 3', '6', false, 1), ('aw_ptc2', 'aw_pt1', 'rahasia', '7 8', '56', true, 1)`);
  await q(`INSERT INTO python_submissions (id, "taskId", "studentId", code, status, score, "totalTests", "passedTests", stderr) VALUES
             ('aw_ps1', 'aw_pt1', 'aw_s1', 'print(6)', 'COMPLETED', 50, 2, 2, NULL),
             ('aw_ps2', 'aw_pt1', 'aw_s5', 'print(x)', 'RUNTIME_ERROR', 0, 2, 0, 'NameError: x'),
             ('aw_ps3', 'aw_pt1', 'aw_s3', 'print(6)', 'COMPLETED', 50, 2, 2, NULL)`);
  await q(`INSERT INTO coding_labs (id, title, language) VALUES ('aw_lab1', 'Dasar JS', 'JavaScript'), ('aw_lab2', 'Mainframe', 'COBOL')`);
  await q(`INSERT INTO coding_exercises (id, "labId", title, points, "timeLimit") VALUES
             ('aw_ex1', 'aw_lab1', 'Halo Dunia', 10, 2), ('aw_ex2', 'aw_lab2', 'Display', 10, 2)`);
  await q(`INSERT INTO coding_test_cases (id, "exerciseId", input, "expectedOutput", "isHidden") VALUES ('aw_ctc1', 'aw_ex1', '', 'halo', true)`);
  await q(`INSERT INTO coding_submissions (id, "exerciseId", "studentId", code, status, score, "submittedAt", attempts) VALUES
             ('aw_cs1', 'aw_ex1', 'aw_s1', 'console.log("halo")', 'APPROVED', 10, '2025-11-02 08:00:00', 2),
             ('aw_cs2', 'aw_ex1', 'aw_s2', '', 'DRAFT', NULL, NULL, 0)`);
  await q(`INSERT INTO announcements (id, title, content, category, "isImportant", "publishDate") VALUES
             ('aw_an1', 'Libur', 'Sekolah **libur** <script>alert(1)</script>', 'KELAS', true, '2025-12-20 00:00:00')`);
  await q(`INSERT INTO events (id, title, date, capacity, registered) VALUES ('aw_ev1', 'Pentas Seni', '2026-02-01 09:00:00', 50, 80)`);
  await q(`INSERT INTO contacts (id, name, email, subject, message, status, "adminReply", "repliedAt") VALUES
             ('aw_ct1', 'Orang Tua', 'Ortu@Mail.Test', 'Jadwal', 'Kapan ujian?', 'read', 'Minggu depan', '2025-11-03 10:00:00'),
             ('aw_ct2', 'Tamu', 'tamu@mail.test', 'Halo', 'Salam', 'unread', NULL, NULL)`);
  await q(
    `INSERT INTO galleries (id, title, "imageUrl") VALUES ('aw_gl1', 'Upacara', 'https://res.cloudinary.com/demo/image/upload/v1/upacara.jpg')`,
  );
  await q(`INSERT INTO chat_sessions (id, "userEmail", "userName") VALUES ('aw_ch1', 'tamu@mail.test', 'Tamu')`);
  await q(`INSERT INTO discussion_threads (id, title, "authorId", "authorName", content, "createdAt") VALUES
             ('aw_th1', 'Soal nomor 3', 'aw_s1', 'Ani', 'Bagaimana caranya?', '2025-11-10 08:00:00'),
             ('aw_th2', 'Pengumuman guru', 'aw_gone', 'Guru Lama', 'Halo semua', '2025-11-11 08:00:00')`);
  await q(`INSERT INTO discussion_replies (id, "threadId", "authorId", "authorName", content, "createdAt") VALUES
             ('aw_rp1', 'aw_th1', 'aw_a1', 'Guru Satu', 'Pakai rumus luas', '2025-11-10 09:00:00'),
             ('aw_rp2', 'aw_th1', 'aw_s5', 'Zoë', 'Terima kasih 👍', '2025-11-10 10:00:00')`);
  // a school's copy drifted from the published schema: the probe says so
  await q(`ALTER TABLE students ADD COLUMN nickname text`);
  await q(`ALTER TABLE python_submissions DROP COLUMN "judge0Token"`);
  await q(`CREATE TABLE school_settings (id text PRIMARY KEY, value text)`);
  await q(`INSERT INTO articles (id, title, slug, content) VALUES ('aw_ar1', 'Belajar', 'belajar', 'isi'), ('aw_ar2', 'Ulangan', 'ulangan', 'isi')`);
}
