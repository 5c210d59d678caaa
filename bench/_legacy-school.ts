import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import yazl from 'yazl';
import { ensureDatabase } from '../common/db/sequelize';

/**
 * A legacy GEMA database as the old app's Prisma schema created it (../shared/legacy/README.md): the
 * DDL written from those facts, and a generator of a school. Used by test/legacy-import and by
 * bench/legacy-import.ts; it lives in bench/ because specifications may import bench helpers while
 * nothing outside test/ may import test/.
 */
export const LEGACY_DDL = `
CREATE TYPE "StudentStatus" AS ENUM ('active', 'inactive', 'suspended');
CREATE TYPE "AssignmentStatus" AS ENUM ('active', 'closed', 'upcoming');
CREATE TYPE "SubmissionStatus" AS ENUM ('submitted', 'late', 'reviewed', 'graded');
CREATE TYPE "Difficulty" AS ENUM ('EASY', 'MEDIUM', 'HARD');
CREATE TYPE "PythonSubmissionStatus" AS ENUM ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'RUNTIME_ERROR', 'COMPILATION_ERROR', 'TIME_LIMIT_EXCEEDED');
CREATE TYPE "LabDifficulty" AS ENUM ('BEGINNER', 'INTERMEDIATE', 'ADVANCED');
CREATE TYPE "CodingSubmissionStatus" AS ENUM ('DRAFT', 'SUBMITTED', 'EVALUATING', 'APPROVED', 'REJECTED');
CREATE TYPE "AnnouncementCategory" AS ENUM ('KELAS', 'EVENT', 'TUGAS', 'NILAI', 'SISTEM');
CREATE TYPE "WebLabStatus" AS ENUM ('DRAFT', 'PUBLISHED', 'ARCHIVED');
CREATE TYPE "WebLabSubmissionStatus" AS ENUM ('DRAFT', 'SUBMITTED', 'GRADED', 'RETURNED');
CREATE TYPE "CodingLabSubmissionStatus" AS ENUM ('DRAFT', 'SUBMITTED', 'RETURNED', 'GRADED');
CREATE TYPE "CodingLabArtifact" AS ENUM ('EDITOR', 'UPLOAD');
CREATE TYPE "CodingLabCriterion" AS ENUM ('HTML_STRUCTURE', 'CSS_RESPONSIVE', 'JS_INTERACTIVITY', 'CODE_QUALITY', 'CREATIVITY_BRIEF');

CREATE TABLE admins (
  id text PRIMARY KEY, email text NOT NULL UNIQUE, password text NOT NULL, name text NOT NULL,
  role text NOT NULL DEFAULT 'ADMIN', "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE students (
  id text PRIMARY KEY, "studentId" text NOT NULL UNIQUE, email text UNIQUE, password text NOT NULL, "fullName" text NOT NULL,
  class text, phone text, address text, "parentName" text, "parentPhone" text, "extracurricularInterests" jsonb,
  status "StudentStatus" NOT NULL DEFAULT 'active', "isVerified" boolean NOT NULL DEFAULT false, "profileImage" text,
  "joinedAt" timestamp(3) NOT NULL DEFAULT now(), "lastLoginAt" timestamp(3),
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE classrooms (
  id text PRIMARY KEY, title text NOT NULL, slug text UNIQUE, description text, "teacherId" text,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE assignments (
  id text PRIMARY KEY, title text NOT NULL, description text, subject text, "dueDate" timestamp(3) NOT NULL,
  "maxSubmissions" integer NOT NULL DEFAULT 30, status "AssignmentStatus" NOT NULL DEFAULT 'active', instructions text,
  "allowedFileTypes" text NOT NULL DEFAULT 'pdf,doc,docx,ppt,pptx', "maxFileSize" integer NOT NULL DEFAULT 10485760,
  "createdBy" text, "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE submissions (
  id text PRIMARY KEY, "assignmentId" text NOT NULL, "studentId" text NOT NULL, "fileName" text, "originalFileName" text,
  "filePath" text, "fileSize" integer, "mimeType" text, "documentType" text, "previewUrl" text,
  "submittedAt" timestamp(3) NOT NULL DEFAULT now(), status "SubmissionStatus" NOT NULL DEFAULT 'submitted',
  grade double precision, feedback text, "reviewedAt" timestamp(3), "reviewedBy" text, "isLate" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE grades (
  id text PRIMARY KEY, "studentId" text NOT NULL, "activityId" text, "submissionId" text, "quizResponseId" text,
  score double precision NOT NULL, "maxScore" double precision NOT NULL DEFAULT 100, feedback text, "gradedBy" text,
  "gradedAt" timestamp(3) NOT NULL DEFAULT now(), "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE python_coding_tasks (
  id text PRIMARY KEY, title text NOT NULL, slug text NOT NULL UNIQUE, description text NOT NULL, difficulty "Difficulty" NOT NULL DEFAULT 'EASY',
  category text, tags text, "starterCode" text, "solutionCode" text, hints jsonb, "timeLimit" integer NOT NULL DEFAULT 5,
  "memoryLimit" integer NOT NULL DEFAULT 128, points integer NOT NULL DEFAULT 100, "order" integer NOT NULL DEFAULT 0,
  "isActive" boolean NOT NULL DEFAULT true, "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE python_test_cases (
  id text PRIMARY KEY, "taskId" text NOT NULL REFERENCES python_coding_tasks(id) ON DELETE CASCADE, name text NOT NULL,
  input text NOT NULL, "expectedOutput" text NOT NULL, "isHidden" boolean NOT NULL DEFAULT false, points integer NOT NULL DEFAULT 10,
  "order" integer NOT NULL DEFAULT 0, "createdAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE python_submissions (
  id text PRIMARY KEY, "taskId" text NOT NULL, "studentId" text NOT NULL, code text NOT NULL, language text NOT NULL DEFAULT 'python',
  status "PythonSubmissionStatus" NOT NULL DEFAULT 'PENDING', "judge0Token" text, stdout text, stderr text, "compileOutput" text,
  message text, time double precision, memory integer, score integer NOT NULL DEFAULT 0, "totalTests" integer NOT NULL DEFAULT 0,
  "passedTests" integer NOT NULL DEFAULT 0, "testResults" jsonb, "submittedAt" timestamp(3) NOT NULL DEFAULT now(),
  "completedAt" timestamp(3), attempts integer NOT NULL DEFAULT 1,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE coding_labs (
  id text PRIMARY KEY, title text NOT NULL, description text, difficulty "LabDifficulty" NOT NULL DEFAULT 'BEGINNER', language text NOT NULL,
  points integer NOT NULL DEFAULT 100, duration integer, "isActive" boolean NOT NULL DEFAULT true,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE coding_exercises (
  id text PRIMARY KEY, "labId" text NOT NULL REFERENCES coding_labs(id) ON DELETE CASCADE, title text NOT NULL, description text,
  difficulty "LabDifficulty" NOT NULL DEFAULT 'BEGINNER', points integer NOT NULL DEFAULT 10, "timeLimit" integer, "memoryLimit" integer,
  instructions text, "starterCode" text, "solutionCode" text, hints text, tags text, "isActive" boolean NOT NULL DEFAULT true,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE coding_test_cases (
  id text PRIMARY KEY, "exerciseId" text NOT NULL REFERENCES coding_exercises(id) ON DELETE CASCADE, input text NOT NULL,
  "expectedOutput" text NOT NULL, "isHidden" boolean NOT NULL DEFAULT false, explanation text, "createdAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE coding_submissions (
  id text PRIMARY KEY, "exerciseId" text NOT NULL, "studentId" text NOT NULL, code text NOT NULL,
  status "CodingSubmissionStatus" NOT NULL DEFAULT 'DRAFT', score integer, "executionTime" integer, "memoryUsed" integer,
  "testResults" jsonb, "submittedAt" timestamp(3), attempts integer NOT NULL DEFAULT 0,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now(),
  UNIQUE ("exerciseId", "studentId")
);
CREATE TABLE coding_evaluations (
  id text PRIMARY KEY, "submissionId" text NOT NULL UNIQUE, "evaluatedBy" text, "overallScore" integer, feedback text,
  "evaluatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE announcements (
  id text PRIMARY KEY, title text NOT NULL, excerpt text, content text NOT NULL, category "AnnouncementCategory" NOT NULL DEFAULT 'SISTEM',
  type text NOT NULL DEFAULT 'info', "isImportant" boolean NOT NULL DEFAULT false, "isActive" boolean NOT NULL DEFAULT true,
  "showOnHomepage" boolean NOT NULL DEFAULT false, deadline timestamp(3), link text, views integer NOT NULL DEFAULT 0,
  "publishDate" timestamp(3) NOT NULL DEFAULT now(), "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE events (
  id text PRIMARY KEY, title text NOT NULL, description text, date timestamp(3) NOT NULL, location text, capacity integer,
  registered integer NOT NULL DEFAULT 0, "isActive" boolean NOT NULL DEFAULT true, "showOnHomepage" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE galleries (
  id text PRIMARY KEY, title text NOT NULL, description text, "imageUrl" text NOT NULL, category text NOT NULL DEFAULT 'general',
  "isActive" boolean NOT NULL DEFAULT true, "showOnHomepage" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE contacts (
  id text PRIMARY KEY, name text NOT NULL, email text NOT NULL, phone text, subject text NOT NULL, message text NOT NULL,
  status text NOT NULL DEFAULT 'unread', "adminReply" text, "repliedAt" timestamp(3),
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE chat_sessions (
  id text PRIMARY KEY, "userEmail" text NOT NULL, "userName" text NOT NULL, status text NOT NULL DEFAULT 'active', "assignedTo" text,
  "lastMessage" timestamp(3), priority text NOT NULL DEFAULT 'normal', tags text, notes text,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE chat_messages (
  id text PRIMARY KEY, message text NOT NULL, "senderName" text NOT NULL, "senderEmail" text NOT NULL, "senderType" text NOT NULL DEFAULT 'user',
  status text NOT NULL DEFAULT 'sent', "sessionId" text NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE, "replyTo" text,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE discussion_threads (
  id text PRIMARY KEY, title text NOT NULL, "authorId" text NOT NULL, "authorName" text NOT NULL, content text NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE discussion_replies (
  id text PRIMARY KEY, "threadId" text NOT NULL REFERENCES discussion_threads(id) ON DELETE CASCADE, "authorId" text NOT NULL,
  "authorName" text NOT NULL, content text NOT NULL, "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE web_lab_assignments (
  id text PRIMARY KEY, title text NOT NULL, description text, difficulty "LabDifficulty" NOT NULL DEFAULT 'BEGINNER', "classLevel" text,
  instructions text, "starterHtml" text, "starterCss" text, "starterJs" text, template text, requirements jsonb, hints jsonb,
  "solutionHtml" text, "solutionCss" text, "solutionJs" text, points integer NOT NULL DEFAULT 100, "timeLimit" integer,
  status "WebLabStatus" NOT NULL DEFAULT 'DRAFT', "createdBy" text,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE web_lab_submissions (
  id text PRIMARY KEY, "assignmentId" text NOT NULL, "studentId" text NOT NULL, html text, css text, js text,
  status "WebLabSubmissionStatus" NOT NULL DEFAULT 'DRAFT', "submittedAt" timestamp(3), "gradedAt" timestamp(3), score double precision,
  feedback text, "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now(),
  UNIQUE ("assignmentId", "studentId")
);
CREATE TABLE web_lab_submission_versions (
  id text PRIMARY KEY, "submissionId" text NOT NULL, html text, css text, js text, "createdAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE web_lab_evaluations (
  id text PRIMARY KEY, "submissionId" text NOT NULL UNIQUE, "evaluatedBy" text, score double precision, feedback text, checklist jsonb,
  "evaluatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE coding_lab_tasks (
  id text PRIMARY KEY, title text NOT NULL, description text, "classLevel" text, tags text[], instructions text, project jsonb, files jsonb,
  "previewMode" text, "isActive" boolean NOT NULL DEFAULT true,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now(),
  UNIQUE (title, "classLevel")
);
CREATE TABLE coding_lab_submissions (
  id text PRIMARY KEY, "taskId" text NOT NULL, "studentId" text NOT NULL, title text, summary text, "classLevel" text, tags text[],
  status "CodingLabSubmissionStatus" NOT NULL DEFAULT 'DRAFT', "lastVersionId" text, grade double precision, "reviewerId" text,
  "reviewerNote" text, "submittedAt" timestamp(3), "returnedAt" timestamp(3), "draftHtml" text, "draftCss" text, "draftJs" text,
  "draftArtifact" "CodingLabArtifact" NOT NULL DEFAULT 'EDITOR', "draftArchivePath" text, "draftArchiveSize" integer, "draftMetadata" jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now(),
  UNIQUE ("studentId", "taskId")
);
CREATE TABLE coding_lab_versions (
  id text PRIMARY KEY, "submissionId" text NOT NULL, title text, summary text, "classLevel" text, tags text[], html text, css text, js text,
  "artifactType" "CodingLabArtifact" NOT NULL DEFAULT 'EDITOR', "archivePath" text, "archiveSize" integer, metadata jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "lockedAt" timestamp(3)
);
CREATE TABLE coding_lab_evaluations (
  id text PRIMARY KEY, "submissionId" text NOT NULL, "versionId" text NOT NULL UNIQUE, "reviewerId" text, "overallScore" double precision,
  "overallNote" text, status text NOT NULL DEFAULT 'GRADED', "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
CREATE TABLE coding_lab_rubric_scores (
  id text PRIMARY KEY, "evaluationId" text NOT NULL REFERENCES coding_lab_evaluations(id) ON DELETE CASCADE, criterion "CodingLabCriterion" NOT NULL,
  score double precision NOT NULL, "maxScore" double precision NOT NULL, comment text, UNIQUE ("evaluationId", criterion)
);
CREATE TABLE articles (
  id text PRIMARY KEY, title text NOT NULL, slug text NOT NULL UNIQUE, excerpt text, content text NOT NULL, category text,
  tags text, author text, "authorId" text, status text NOT NULL DEFAULT 'draft', featured boolean NOT NULL DEFAULT false,
  "imageUrl" text, "readTime" integer, views integer NOT NULL DEFAULT 0, "publishedAt" timestamp(3),
  "createdAt" timestamp(3) NOT NULL DEFAULT now(), "updatedAt" timestamp(3) NOT NULL DEFAULT now()
);
`;

/** Creates the database with the legacy schema; answers a connected client (the caller ends it). */
export async function createLegacyDatabase(url: string): Promise<pg.Client> {
  await ensureDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(LEGACY_DDL);
  return client;
}

export interface SchoolSize {
  /** id and NIS prefix, so two generated schools never share a key */
  tag: string;
  students: number;
  assignments: number;
  submissions: number;
  /** the bcrypt hash every generated student and admin gets */
  passwordHash: string;
}

/**
 * A generated school, written by the database itself (generate_series), so 50,000 submissions take
 * seconds: 10 teachers each owning a classroom, students spread over 12 class names (two of them
 * without a classroom row), assignments, graded Cloudinary submissions, and a Python task with its
 * submissions.
 */
export async function seedSchool(client: pg.Client, size: SchoolSize): Promise<void> {
  const t = size.tag;
  const hash = size.passwordHash;
  await client.query(
    `INSERT INTO admins (id, email, password, name, "createdAt", "updatedAt")
       SELECT '${t}a' || i, '${t}.teacher' || i || '@legacy.school', $1, 'Guru ' || i, now() - interval '400 days', now() - interval '400 days'
         FROM generate_series(1, 10) i`,
    [hash],
  );
  await client.query(
    `INSERT INTO classrooms (id, title, slug, "teacherId")
       SELECT '${t}c' || i, '${t}-K' || i, '${t}-k' || i, '${t}a' || i FROM generate_series(1, 10) i`,
  );
  await client.query(
    `INSERT INTO students (id, "studentId", email, password, "fullName", class, status, "isVerified", "createdAt", "updatedAt")
       SELECT '${t}s' || lpad(i::text, 6, '0'), $2 || lpad(i::text, 6, '0'), '${t}.s' || i || '@legacy.school', $1,
              'Siswa ' || i, '${t}-K' || (i % 12 + 1), 'active', true, now() - interval '300 days', now() - interval '300 days'
         FROM generate_series(1, $3::int) i`,
    [hash, nisPrefix(t), size.students],
  );
  await client.query(
    `INSERT INTO assignments (id, title, description, "dueDate", "createdBy")
       SELECT '${t}as' || lpad(i::text, 4, '0'), 'Tugas ' || i, 'Kerjakan ' || i, now() - (i || ' days')::interval, '${t}a' || (i % 10 + 1)
         FROM generate_series(1, $1::int) i`,
    [size.assignments],
  );
  await client.query(
    `INSERT INTO submissions (id, "assignmentId", "studentId", "fileName", "originalFileName", "filePath", "fileSize", "mimeType",
                              "submittedAt", status, grade, "reviewedAt", "reviewedBy", "isLate")
       SELECT '${t}sub' || lpad(i::text, 7, '0'),
              '${t}as' || lpad((i % $1::int + 1)::text, 4, '0'),
              '${t}s' || lpad(((i / $1::int) % $2::int + 1)::text, 6, '0'),
              'f' || i || '.pdf', 'laporan ' || i || '.pdf', 'https://res.cloudinary.com/demo/raw/upload/v1/gema/f' || i || '.pdf',
              1000 + i, 'application/pdf', now() - interval '30 days' + ((i % 1000) || ' seconds')::interval,
              CASE WHEN i % 3 = 0 THEN 'graded'::"SubmissionStatus" ELSE 'submitted'::"SubmissionStatus" END,
              CASE WHEN i % 3 = 0 THEN (i % 101)::float ELSE NULL END,
              CASE WHEN i % 3 = 0 THEN now() - interval '20 days' ELSE NULL END,
              CASE WHEN i % 3 = 0 THEN '${t}a' || (i % 10 + 1) ELSE NULL END,
              i % 17 = 0
         FROM generate_series(1, $3::int) i`,
    [size.assignments, size.students, size.submissions],
  );
  await client.query(`INSERT INTO python_coding_tasks (id, title, slug, description) VALUES ('${t}pt1', 'Jumlah ${t}', '${t}-jumlah', 'Jumlahkan')`);
  await client.query(
    `INSERT INTO python_test_cases (id, "taskId", name, input, "expectedOutput", "isHidden", "order")
       VALUES ('${t}ptc1', '${t}pt1', 'contoh', '1 2', '3', false, 1), ('${t}ptc2', '${t}pt1', 'rahasia', '5 5', '10', true, 2)`,
  );
  await client.query(
    `INSERT INTO python_submissions (id, "taskId", "studentId", code, status, score, "totalTests", "passedTests", "completedAt")
       SELECT '${t}ps' || i, '${t}pt1', '${t}s' || lpad(i::text, 6, '0'), 'print(sum(map(int, input().split())))', 'COMPLETED', 100, 2, 2, now()
         FROM generate_series(1, $1::int) i`,
    [size.students],
  );
}

/** NIS digits of a generated school: distinct per tag, so schools generated side by side never clash. */
export function nisPrefix(tag: string): string {
  let h = 0;
  for (const ch of tag) h = (h * 31 + ch.charCodeAt(0)) % 9000;
  return String(1000 + h);
}

/** A ZIP of the given files, as the old web lab stored an uploaded project. */
export async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** the files of the readable uploaded archive seedWebLab writes (`uploads/site.zip` under the files root) */
export const UPLOADED_SITE = { 'index.html': '<h1>Situs Bayu</h1>', 'css/gaya.css': 'h1 { color: teal }' };

/**
 * Both generations of the legacy web lab, with their awkward cases, for students aw_s1/aw_s2/aw_s5 and
 * admin aw_a1 of the awkward school (test/legacy-import/awkward-school.ts): a checklist with and
 * without points, a solution GEMA has no field for, a submission of a student who is gone, a
 * submission never locked into a version but evaluated, an evaluation by a deleted admin, a checklist
 * item outside the requirements, a starter file path outside the project, an uploaded archive that
 * is readable and one that is gone, a rubric criterion the task does not have, a criterion left
 * unscored and one scored out of another maximum.
 */
export async function seedWebLab(client: pg.Client, filesRoot: string): Promise<void> {
  fs.mkdirSync(path.join(filesRoot, 'uploads'), { recursive: true });
  fs.writeFileSync(path.join(filesRoot, 'uploads', 'site.zip'), await zipOf(UPLOADED_SITE));
  const q = (sql: string, params: unknown[] = []) => client.query(sql, params);
  await q(`INSERT INTO web_lab_assignments (id, title, description, "classLevel", "starterHtml", "starterCss", requirements, hints,
                                            "solutionHtml", points, status, "createdBy", "createdAt", "updatedAt") VALUES
             ('aw_wl1', 'Halaman Profil', 'Buat halaman profil', 'X', '<h1></h1>', 'body {}',
              '[{"id": "judul", "label": "Ada judul h1", "points": 40}, {"id": "warna", "label": "Latar berwarna"}]', '["Pakai <h1>"]',
              '<h1>Saya</h1>', 100, 'PUBLISHED', 'aw_a1', '2025-09-01 08:00:00', '2025-09-01 08:00:00'),
             ('aw_wl2', 'Galeri Foto', NULL, 'XI', NULL, NULL, '["Satu", "Dua"]', NULL, NULL, 50, 'ARCHIVED', 'aw_gone',
              '2025-08-01 08:00:00', '2025-10-01 08:00:00')`);
  await q(`INSERT INTO web_lab_submissions (id, "assignmentId", "studentId", html, css, js, status, "submittedAt", score) VALUES
             ('aw_ws1', 'aw_wl1', 'aw_s1', '<h1>Ani</h1>', 'body { background: pink }', NULL, 'GRADED', '2025-09-03 08:00:00', 85),
             ('aw_ws2', 'aw_wl1', 'aw_s5', '<h1>Zoë</h1>', NULL, 'alert(1)', 'RETURNED', '2025-09-04 08:00:00', 40),
             ('aw_ws3', 'aw_wl1', 'aw_nobody', '<p>?</p>', NULL, NULL, 'SUBMITTED', '2025-09-04 09:00:00', NULL),
             ('aw_ws4', 'aw_wl2', 'aw_s2', '<p>galeri</p>', NULL, NULL, 'SUBMITTED', '2025-09-05 08:00:00', 30)`);
  await q(`INSERT INTO web_lab_submission_versions (id, "submissionId", html, css, "createdAt") VALUES
             ('aw_wv1', 'aw_ws1', '<h1>Ani</h1>', NULL, '2025-09-02 08:00:00'),
             ('aw_wv2', 'aw_ws1', '<h1>Ani</h1>', 'body { background: pink }', '2025-09-03 08:00:00'),
             ('aw_wv3', 'aw_ws2', '<h1>Zoë</h1>', NULL, '2025-09-04 08:00:00'),
             ('aw_wv4', 'aw_ws3', '<p>?</p>', NULL, '2025-09-04 09:00:00')`);
  await q(`INSERT INTO web_lab_evaluations (id, "submissionId", "evaluatedBy", score, feedback, checklist, "evaluatedAt") VALUES
             ('aw_we1', 'aw_ws1', 'aw_a1', 85, 'Bagus', '[{"id": "judul", "checked": true}, {"id": "warna", "checked": true}, {"id": "bonus", "checked": true}]',
              '2025-09-06 08:00:00'),
             ('aw_we2', 'aw_ws2', 'aw_gone', 40, 'Warna belum', '{"judul": true, "warna": false}', '2025-09-06 09:00:00'),
             ('aw_we3', 'aw_ws4', 'aw_a1', 30, NULL, NULL, '2025-09-07 08:00:00')`);
  await q(`INSERT INTO coding_lab_tasks (id, title, description, "classLevel", tags, project, files, "previewMode", "createdAt") VALUES
             ('aw_ct1', 'Kartu Nama', 'Kartu nama digital', 'XI', '{html,css}',
              '{"title": "Kartu", "description": "Satu halaman", "rubric": [{"criterion": "HTML_STRUCTURE", "maxScore": 30},
                {"criterion": "CSS_RESPONSIVE", "maxScore": 30}, {"criterion": "CREATIVITY_BRIEF", "maxScore": 40}]}',
              '[{"path": "index.html", "language": "html", "content": "<main></main>"}, {"path": "../luar.js", "language": "js", "content": "x"}]',
              'live', '2025-09-10 08:00:00'),
             ('aw_ct2', 'Portofolio', NULL, 'XII', NULL, NULL, NULL, NULL, '2025-09-11 08:00:00')`);
  await q(`INSERT INTO coding_lab_submissions (id, "taskId", "studentId", title, summary, status, "submittedAt", "draftHtml", "draftCss",
                                               "draftArtifact", "draftArchivePath") VALUES
             ('aw_cls1', 'aw_ct1', 'aw_s1', NULL, NULL, 'GRADED', '2025-09-12 08:00:00', '<main>Ani</main>', 'main { display: grid }', 'EDITOR', NULL),
             ('aw_cls2', 'aw_ct1', 'aw_s2', NULL, NULL, 'SUBMITTED', '2025-09-12 09:00:00', NULL, NULL, 'UPLOAD', 'uploads/site.zip'),
             ('aw_cls3', 'aw_ct2', 'aw_s5', 'Portofolio Zoë', 'Karya saya', 'RETURNED', '2025-09-13 08:00:00', '<p>draf</p>', NULL, 'EDITOR', NULL)`);
  await q(`INSERT INTO coding_lab_versions (id, "submissionId", html, css, "artifactType", "archivePath", "createdAt", "lockedAt") VALUES
             ('aw_clv1', 'aw_cls1', '<main>Ani</main>', 'main { display: grid }', 'EDITOR', NULL, '2025-09-12 08:00:00', '2025-09-12 08:00:01'),
             ('aw_clv2', 'aw_cls2', NULL, NULL, 'UPLOAD', 'uploads/site.zip', '2025-09-12 09:00:00', '2025-09-12 09:00:01'),
             ('aw_clv3', 'aw_cls3', '<p>v1</p>', NULL, 'UPLOAD', 'uploads/hilang.zip', '2025-09-13 08:00:00', NULL)`);
  await q(`INSERT INTO coding_lab_evaluations (id, "submissionId", "versionId", "reviewerId", "overallScore", "overallNote", status) VALUES
             ('aw_cle1', 'aw_cls1', 'aw_clv1', 'aw_a1', 80, 'Rapi', 'GRADED'),
             ('aw_cle2', 'aw_cls3', 'aw_clv3', 'aw_gone', NULL, 'Perbaiki warna', 'RETURNED')`);
  await q(`INSERT INTO coding_lab_rubric_scores (id, "evaluationId", criterion, score, "maxScore", comment) VALUES
             ('aw_rs1', 'aw_cle1', 'HTML_STRUCTURE', 25, 30, 'semantik'),
             ('aw_rs2', 'aw_cle1', 'CSS_RESPONSIVE', 20, 30, NULL),
             ('aw_rs3', 'aw_cle1', 'CREATIVITY_BRIEF', 35, 40, NULL),
             ('aw_rs4', 'aw_cle1', 'JS_INTERACTIVITY', 10, 20, 'tidak diminta'),
             ('aw_rs5', 'aw_cle2', 'HTML_STRUCTURE', 10, 10, NULL),
             ('aw_rs6', 'aw_cle2', 'CODE_QUALITY', 15, 20, NULL)`);
}
