import type { CreationAttributes, Transaction } from 'sequelize';
import { Assignment, ClassroomTeacher, Submission, SubmissionGrade, User, type ReviewStatus, type SubmissionStatus } from '../../common/models';
import { applyPenalty, assessLateness } from '../../common/learning/late-policy';

const DAY = 24 * 3600_000;

interface Plan {
  title: string;
  description: string;
  kind: 'file' | 'text' | 'link';
  dueInDays: number;
  maxPoints?: number;
  status?: 'draft' | 'published' | 'archived';
  late?: { penaltyPercentPerDay: number; maxLateDays: number | null };
  maxAttempts?: number;
  allowedFileTypes?: string[];
  /** what each student does, by their position in the class (the first student sees every state) */
  work: (i: number) => Work | null;
}

interface Work {
  /** days after the due time it was handed in (negative: before) */
  handedInDays: number;
  content: string;
  review?: { status: ReviewStatus; raw?: number; feedback: string; afterDays: number };
  /** an earlier attempt sent back for revision, then this one */
  revisedFrom?: boolean;
}

const essay = (t: string) => `Jawaban saya untuk "${t}": …`;

/** Every state the dashboard knows, for the first student of each class; a realistic mix for the rest. */
const PLANS: Plan[] = [
  {
    title: 'Variabel dan Tipe Data',
    description: '# Variabel\nJelaskan perbedaan `let`, `const` dan `var`, dengan contoh.',
    kind: 'text',
    dueInDays: -14,
    work: (i) => ({
      handedInDays: -2,
      content: essay('Variabel'),
      review: { status: 'graded', raw: [88, 75, 92, 64, 80, 70][i % 6]!, feedback: 'Penjelasan jelas; tambahkan contoh scope.', afterDays: 1 },
    }),
  },
  {
    title: 'Percabangan if/else',
    description: 'Kirim tautan repositori GitHub berisi program kalkulator nilai.',
    kind: 'link',
    dueInDays: -9,
    late: { penaltyPercentPerDay: 10, maxLateDays: 3 },
    work: (i) => ({
      // the first student is a day late: 10 % of the points come off
      handedInDays: i === 0 ? 0.5 : -1,
      content: 'https://github.com/gema-demo/kalkulator-nilai',
      review: { status: 'graded', raw: [82, 90, 70, 85, 60, 95][i % 6]!, feedback: 'Logika benar. Perhatikan nama variabel.', afterDays: 2 },
    }),
  },
  {
    title: 'Fungsi dan Parameter',
    description: 'Tulis tiga fungsi dengan parameter default dan jelaskan hasilnya.',
    kind: 'text',
    dueInDays: -5,
    work: (i) => ({
      handedInDays: -1,
      content: essay('Fungsi'),
      review: { status: 'returned', raw: [90, 78, 85, 88, 72, 66][i % 6]!, feedback: 'Bagus! Lihat catatan pada fungsi ketiga.', afterDays: 1 },
    }),
  },
  {
    title: 'Algoritma Sorting',
    description: 'Bandingkan bubble sort dan insertion sort pada 1.000 angka acak.',
    kind: 'text',
    dueInDays: -3,
    late: { penaltyPercentPerDay: 5, maxLateDays: 5 },
    // the first student handed in late and is waiting for the grade
    work: (i) => (i === 5 ? null : { handedInDays: i === 0 ? 1.2 : -0.3, content: essay('Sorting') }),
  },
  {
    title: 'Rekursi',
    description: 'Implementasikan faktorial dan Fibonacci secara rekursif.',
    kind: 'text',
    dueInDays: 3,
    maxAttempts: 2,
    work: (i) =>
      i === 0
        ? {
            handedInDays: -4,
            content: essay('Rekursi'),
            review: { status: 'needs_revision', feedback: 'Kasus dasar Fibonacci belum benar; perbaiki lalu kirim lagi.', afterDays: 0.1 },
          }
        : i % 2 === 0
          ? { handedInDays: -4, content: essay('Rekursi') }
          : null,
  },
  {
    title: 'Array dan Perulangan',
    description: 'Jawab soal-soal array di modul 4.',
    kind: 'text',
    dueInDays: 2,
    work: (i) => (i === 0 || i === 3 ? { handedInDays: -2.5, content: essay('Array') } : null),
  },
  {
    title: 'Laporan Praktikum Perulangan',
    description: 'Unggah laporan praktikum dalam PDF.',
    kind: 'file',
    dueInDays: 5,
    allowedFileTypes: ['pdf'],
    maxFileBytes: 5 * 1024 * 1024,
    work: () => null,
  } as Plan & { maxFileBytes: number },
  {
    title: 'Struktur Data Dasar',
    description: 'Ringkas materi stack dan queue.',
    kind: 'text',
    dueInDays: -2,
    work: (i) => (i === 0 ? null : i % 3 === 0 ? null : { handedInDays: -0.5, content: essay('Struktur Data') }),
  },
  {
    title: 'Objek dan JSON',
    description: 'Buat objek siswa dan ubah ke JSON.',
    kind: 'text',
    dueInDays: 8,
    work: () => null,
  },
  {
    title: 'Proyek Akhir Semester',
    description: 'Rancangan proyek akhir (masih disusun guru).',
    kind: 'file',
    dueInDays: 30,
    status: 'draft',
    work: () => null,
  },
  {
    title: 'Pengenalan Git (semester lalu)',
    description: 'Arsip.',
    kind: 'link',
    dueInDays: -60,
    status: 'archived',
    work: () => null,
  },
];

const SCHOOL_WIDE: Plan = {
  title: 'Survei Kepuasan Belajar',
  description: 'Isi survei dan kirim tautan tanda terimanya.',
  kind: 'link',
  dueInDays: 7,
  maxPoints: 10,
  work: (i) => (i === 1 ? { handedInDays: -7.5, content: 'https://forms.gle/gema-demo' } : null),
};

/**
 * Demo assignments for both demo classrooms, with work for every student: the first student of each
 * class (ayu@gema.local in XI RPL 1) has one assignment in each state — pending, submitted, late, graded
 * with feedback, returned, needs_revision, overdue — plus a draft and an archived one the students do
 * not see. Grades carry the late penalty and a grade-history row, as the grading route would leave them.
 */
export async function seedLearning(transaction: Transaction): Promise<void> {
  const now = Date.now();
  const links = await ClassroomTeacher.findAll({ transaction, order: [['createdAt', 'ASC']] });
  const admin = await User.findOne({ where: { role: 'admin' }, transaction });
  const students = await User.findAll({ where: { role: 'student' }, order: [['studentNumber', 'ASC']], transaction });
  const teacherOf = new Map(links.map((l) => [l.classroomId, l.teacherId]));

  // every assignment, then every submission, then every grade, one INSERT each (one per row was ~120
  // round trips and most of the seed's time); created_at still rises in the order they are planted,
  // as it did row by row, so lists ordered by it come out as before
  const planted: { plan: Plan; roster: User[]; graderId: string | null }[] = [];
  const assignmentRows: CreationAttributes<Assignment>[] = [];
  const plant = (plan: Plan, classroomId: string | null, createdBy: string | null, roster: User[], graderId: string | null) => {
    planted.push({ plan, roster, graderId });
    assignmentRows.push({
      title: plan.title,
      description: plan.description,
      classroomId,
      kind: plan.kind,
      dueAt: new Date(now + plan.dueInDays * DAY),
      maxPoints: plan.maxPoints ?? 100,
      acceptLate: Boolean(plan.late),
      latePenaltyPercent: plan.late?.penaltyPercentPerDay ?? 0,
      maxLateDays: plan.late?.maxLateDays ?? null,
      maxAttempts: plan.maxAttempts ?? 1,
      allowedFileTypes: plan.allowedFileTypes ?? [],
      maxFileBytes: (plan as Plan & { maxFileBytes?: number }).maxFileBytes ?? 10 * 1024 * 1024,
      status: plan.status ?? 'published',
      createdBy,
    });
  };
  for (const [classroomId, teacherId] of teacherOf) {
    const roster = students.filter((s) => s.classroomId === classroomId);
    for (const plan of PLANS) plant(plan, classroomId, teacherId, roster, teacherId);
  }
  plant(SCHOOL_WIDE, null, admin?.id ?? null, students, admin?.id ?? null);

  let order = 0;
  const inOrder = () => new Date(now - 60_000 + order++);
  const assignments = await Assignment.bulkCreate(
    assignmentRows.map((row) => ({ ...row, createdAt: inOrder() })),
    { transaction, validate: true },
  );

  const submissionRows: CreationAttributes<Submission>[] = [];
  const reviews: ({
    review: NonNullable<Work['review']>;
    graderId: string | null;
    gradedAt: Date;
    grade: number | null;
    rawGrade: number | null;
    penaltyPercent: number;
  } | null)[] = [];
  for (const [n, a] of assignments.entries()) {
    const { plan, roster, graderId } = planted[n]!;
    for (const [i, student] of roster.entries()) {
      const work = plan.work(i);
      if (!work) continue;
      const submittedAt = new Date(a.dueAt.getTime() + work.handedInDays * DAY);
      const late = assessLateness(a.dueAt, submittedAt, {
        acceptLate: a.acceptLate,
        penaltyPercentPerDay: a.latePenaltyPercent,
        maxLateDays: a.maxLateDays ?? null,
      });
      const penaltyPercent = late.accepted ? late.penaltyPercent : 0;
      const review = work.review;
      const gradedAt = review ? new Date(submittedAt.getTime() + review.afterDays * DAY) : null;
      const rawGrade = review?.raw ?? null;
      const grade = rawGrade === null ? null : applyPenalty(rawGrade, a.maxPoints, penaltyPercent);
      const status: SubmissionStatus = review ? review.status : late.daysLate > 0 ? 'late' : 'submitted';
      submissionRows.push({
        assignmentId: a.id,
        studentId: student.id,
        attempt: 1,
        content: work.content,
        status,
        submittedAt,
        daysLate: late.daysLate,
        penaltyPercent,
        grade,
        rawGrade,
        feedback: review?.feedback ?? null,
        gradedBy: review ? graderId : null,
        gradedAt,
        createdAt: inOrder(),
      });
      reviews.push(review ? { review, graderId, gradedAt: gradedAt!, grade, rawGrade, penaltyPercent } : null);
    }
  }
  const submissions = await Submission.bulkCreate(submissionRows, { transaction, validate: true });

  const gradeRows = submissions.flatMap((s, i) => {
    const r = reviews[i];
    if (!r) return [];
    return [
      {
        submissionId: s.id,
        grade: r.grade,
        rawGrade: r.rawGrade,
        penaltyPercent: r.penaltyPercent,
        feedback: r.review.feedback,
        status: r.review.status,
        gradedBy: r.graderId,
        gradedAt: r.gradedAt,
      },
    ];
  });
  await SubmissionGrade.bulkCreate(gradeRows, { transaction, validate: true });
}
