import type { Transaction } from 'sequelize';
import { WebAssignment, WebEvaluation, WebProject, WebVersion, type WebProjectStatus } from '../../common/models';
import { DEFAULT_RUBRIC, type WebCheck, type WebFile } from '../../common/web-lab/types';
import type { DemoAccounts } from './accounts';

const text = (path: string, content: string): WebFile => ({ path, encoding: 'utf8', content });

/** One check of each kind: README.md#web-lab describes them. */
export const DEMO_WEB_CHECKS: WebCheck[] = [
  {
    id: 'heading',
    kind: 'selector',
    title: 'One main heading',
    points: 10,
    message: 'Add exactly one <h1>',
    visibility: 'show',
    config: { selector: 'h1', count: 1 },
  },
  {
    id: 'img-alt',
    kind: 'attribute',
    title: 'Images have alt text',
    points: 10,
    message: 'Give every <img> an alt',
    visibility: 'show',
    config: { selector: 'img', attribute: 'alt' },
  },
  {
    id: 'flex-nav',
    kind: 'css-property',
    title: 'Navigation uses flexbox',
    points: 10,
    message: 'Lay out nav with display: flex',
    visibility: 'show',
    config: { selector: 'nav', property: 'display', value: 'flex' },
  },
  { id: 'responsive', kind: 'media-query', title: 'A phone layout', points: 10, message: '', visibility: 'hide', config: { condition: 'max-width' } },
  { id: 'clean-html', kind: 'html-errors', title: 'Well-formed HTML', points: 10, message: 'Fix the HTML errors', visibility: 'show', config: {} },
  {
    id: 'greets',
    kind: 'script',
    title: 'The button greets',
    points: 20,
    message: 'Clicking #sapa should write "Halo" in #pesan',
    visibility: 'show',
    config: { steps: [{ action: 'click', selector: '#sapa' }], selector: '#pesan', text: 'Halo' },
  },
  { id: 'console', kind: 'console-clean', title: 'No errors in the console', points: 10, message: '', visibility: 'show', config: {} },
  {
    id: 'phone',
    kind: 'layout',
    title: 'Fits a phone screen',
    points: 10,
    message: 'Nothing may overflow at 375px',
    visibility: 'show',
    config: { width: 375, selector: 'h1' },
  },
  {
    id: 'a11y',
    kind: 'accessibility',
    title: 'Accessible',
    points: 10,
    message: '',
    visibility: 'show',
    config: { rules: ['image-alt', 'label', 'color-contrast'] },
  },
];

const STARTER: WebFile[] = [
  text(
    'index.html',
    '<!DOCTYPE html>\n<html lang="id">\n<head>\n  <meta charset="utf-8">\n  <title>Portofolio</title>\n  <link rel="stylesheet" href="css/style.css">\n</head>\n<body>\n  <h1>Nama Saya</h1>\n  <script src="js/app.js"></script>\n</body>\n</html>\n',
  ),
  text('css/style.css', 'body { font-family: sans-serif; }\n'),
  text('js/app.js', '// tulis kode di sini\n'),
];

/** A project that passes every demo check (the seeded versions, the bench). */
export const FINISHED: WebFile[] = [
  text(
    'index.html',
    '<!DOCTYPE html>\n<html lang="id">\n<head>\n  <meta charset="utf-8">\n  <title>Portofolio</title>\n  <link rel="stylesheet" href="css/style.css">\n</head>\n<body>\n  <nav><a href="#">Beranda</a><a href="#karya">Karya</a></nav>\n  <h1>Ayu Lestari</h1>\n  <img src="img/foto.svg" alt="Foto Ayu" width="120">\n  <button id="sapa">Sapa</button>\n  <p id="pesan"></p>\n  <script src="js/app.js"></script>\n</body>\n</html>\n',
  ),
  text(
    'css/style.css',
    'body { font-family: sans-serif; }\nnav { display: flex; gap: 1rem; }\n@media (max-width: 600px) { nav { flex-direction: column; } }\n',
  ),
  text(
    'js/app.js',
    'document.getElementById("sapa").addEventListener("click", () => {\n  document.getElementById("pesan").textContent = "Halo";\n});\n',
  ),
];

/**
 * A published web-lab assignment for the first classroom with one check of each kind, and projects
 * in each status: a draft, a submitted version, a returned one and a graded one. Seeded versions
 * wait as `checking` until a worker checks them: a re-check of the assignment
 * (`POST /web-lab/assignments/:id/recheck`) does, so no result here is made up.
 */
export async function seedWebLab(accounts: DemoAccounts, transaction: Transaction): Promise<WebAssignment> {
  const classroom = accounts.classrooms[0]!;
  const teacher = accounts.teachers[0]!;
  const students = accounts.students.filter((s) => s.classroomId === classroom.id);
  const assignment = await WebAssignment.create(
    {
      title: 'Portofolio pribadi',
      description: 'Buat halaman **portofolio** dengan navigasi, foto berteks alternatif, dan tombol yang menyapa.',
      classroomId: classroom.id,
      starterFiles: STARTER,
      dueAt: new Date(Date.now() + 14 * 86_400_000),
      acceptLate: true,
      latePenaltyPercent: 10,
      maxLateDays: 3,
      points: 100,
      autoWeightPercent: 30,
      rubric: DEFAULT_RUBRIC,
      checks: DEMO_WEB_CHECKS,
      published: true,
      createdBy: teacher.id,
    },
    { transaction },
  );
  const statuses: WebProjectStatus[] = ['draft', 'submitted', 'returned', 'graded'];
  for (const [i, status] of statuses.entries()) {
    const student = students[i];
    if (!student) break;
    const files = status === 'draft' ? STARTER : FINISHED;
    const project = await WebProject.create(
      {
        assignmentId: assignment.id,
        userId: student.id,
        classroomId: classroom.id,
        files,
        status,
        submittedAt: status === 'draft' ? null : new Date(),
      },
      { transaction },
    );
    if (status === 'draft') continue;
    const version = await WebVersion.create(
      { projectId: project.id, assignmentId: assignment.id, userId: student.id, classroomId: classroom.id, number: 1, files },
      { transaction },
    );
    if (status === 'submitted') continue;
    const score = status === 'graded' ? 18 : 10;
    await WebEvaluation.create(
      {
        versionId: version.id,
        projectId: project.id,
        scores: DEFAULT_RUBRIC.map((c) => ({ key: c.key, score, comment: status === 'graded' ? 'Bagus' : 'Perlu diperbaiki' })),
        note: status === 'graded' ? 'Kerja bagus!' : 'Tambahkan tampilan untuk ponsel.',
        status,
        rubricTotal: score * 5,
        // the rubric's share (70 %) only: the automatic share waits for the checks
        grade: Math.round(score * 5 * 0.7 * 100) / 100,
        evaluatedBy: teacher.id,
      },
      { transaction },
    );
  }
  return assignment;
}
