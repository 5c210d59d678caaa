import { QueryTypes, type Sequelize } from 'sequelize';
import { AuditEntry, CodingSubmission, CodingTask, User } from '../../common/models';

const DAY = 24 * 3600_000;

export interface DemoActivitySummary {
  days: number;
  students: number;
  codingSubmissions: number;
  accepted: number;
  activities: number;
}

/** mulberry32: a small seeded generator, so a demo week is the same for the same seed */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A week of realistic activity for a demo: each active student in a classroom works on the published
 * coding tasks on most days (one to three graded submissions a day, later attempts more often
 * accepted, with scores) and signs in; all dated over the last seven days. There is no chat in GEMA
 * yet, so none is made.
 */
export async function generateDemoActivity(sequelize: Sequelize, seed = 2025): Promise<DemoActivitySummary> {
  const rand = random(seed);
  const students = await User.findAll({ where: { role: 'student', status: 'active' } });
  const tasks = await CodingTask.findAll({ where: { published: true } });
  const summary: DemoActivitySummary = { days: 7, students: 0, codingSubmissions: 0, accepted: 0, activities: 0 };
  if (!tasks.length) return summary;
  const now = Date.now();
  await sequelize.transaction(async (transaction) => {
    for (const student of students) {
      if (!student.classroomId) continue;
      summary.students += 1;
      for (let day = 6; day >= 0; day--) {
        if (rand() < 0.25) continue; // a day off
        const at = (minutes: number) => new Date(now - day * DAY - (8 * 60 - minutes) * 60_000);
        await AuditEntry.create({ type: 'login', userId: student.id, ip: null, details: { demo: true }, createdAt: at(0) } as never, { transaction });
        summary.activities += 1;
        const count = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < count; i++) {
          const task = tasks[Math.floor(rand() * tasks.length)]!;
          const [prior] = await sequelize.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM coding_submissions WHERE user_id = :userId AND task_id = :taskId',
            { replacements: { userId: student.id, taskId: task.id }, type: QueryTypes.SELECT, transaction },
          );
          const attempt = (prior?.n ?? 0) + 1;
          const accepted = rand() < Math.min(0.35 + attempt * 0.2, 0.9);
          const maxScore = 100;
          const when = at(10 + i * 25);
          await CodingSubmission.create(
            {
              taskId: task.id,
              userId: student.id,
              classroomId: student.classroomId,
              language: 'python',
              files: [{ name: 'main.py', content: '# demo\n' }],
              status: 'completed',
              verdict: accepted ? 'accepted' : 'wrong_answer',
              score: accepted ? maxScore : Math.floor(rand() * 80),
              maxScore,
              results: [],
              attempt,
              queuedAt: when,
              startedAt: when,
              finishedAt: when,
              createdAt: when,
            } as never,
            { transaction },
          );
          summary.codingSubmissions += 1;
          if (accepted) summary.accepted += 1;
        }
      }
    }
  });
  return summary;
}
