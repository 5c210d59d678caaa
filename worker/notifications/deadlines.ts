import { QueryTypes, type Sequelize } from 'sequelize';
import type { RealtimePublisher } from '../../common/realtime/publisher';
import { NOTIFY_BATCH, notifyUsers } from '../../common/notifications/create';

interface Due {
  id: string;
  title: string;
  due_at: Date;
  students: string[];
}

/**
 * Reminds each student of every published assignment due within the next 24 hours that they have
 * not handed in. The dedupe key `deadline:<assignment>` makes each reminder once per student, however
 * often the sweep runs. Returns how many reminders were made.
 */
export async function remindDeadlines(sequelize: Sequelize, realtime: RealtimePublisher, now = new Date()): Promise<number> {
  const due = await sequelize.query<Due>(
    `SELECT a.id, a.title, a.due_at, array_agg(u.id ORDER BY u.id) AS students
       FROM assignments a
       JOIN users u ON u.role = 'student' AND u.status = 'active' AND u.deleted_at IS NULL
                   AND (a.classroom_id IS NULL OR u.classroom_id = a.classroom_id)
      WHERE a.status = 'published' AND a.due_at > :now AND a.due_at <= CAST(:now AS timestamptz) + interval '24 hours'
        AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.assignment_id = a.id AND s.student_id = u.id)
        AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id AND n.dedupe_key = 'deadline:' || a.id)
      GROUP BY a.id`,
    { replacements: { now }, type: QueryTypes.SELECT },
  );
  let made = 0;
  for (const a of due) {
    for (let i = 0; i < a.students.length; i += NOTIFY_BATCH) {
      const batch = a.students.slice(i, i + NOTIFY_BATCH);
      const created = await notifyUsers(realtime, batch, {
        type: 'assignment.deadline',
        title: `Due soon: ${a.title}`,
        body: `Due ${new Date(a.due_at).toISOString()}`,
        link: `/assignments/${a.id}`,
        data: { assignmentId: a.id, dueAt: new Date(a.due_at).toISOString() },
        dedupeKey: `deadline:${a.id}`,
      });
      made += created.size;
    }
  }
  return made;
}
