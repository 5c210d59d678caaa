import type { Request } from 'express';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { UploadCap } from '../../files/upload';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The assignment's file size cap for a submission upload, known before the files arrive: on PATCH from
 * the submission in the URL, on POST from `assignmentId` when it is sent before the files (as curl -F
 * and browsers' FormData keep the order written). Only for a student's own submission or an assignment
 * the student may hand in to; anything else gets the hard cap here and its 404 from the service, so the
 * cap never tells whether an id exists.
 */
export function submissionUploadCap(sequelize: Sequelize): UploadCap {
  return async (req: Request) => {
    const user = req.user;
    if (!user || user.role !== 'student') return undefined;
    const submissionId = typeof req.params.id === 'string' ? req.params.id : undefined;
    const body = req.body as Record<string, unknown> | undefined;
    const assignmentId = typeof body?.assignmentId === 'string' ? body.assignmentId : undefined;
    const [sql, id] = submissionId
      ? [
          `SELECT a.max_file_bytes FROM submissions s JOIN assignments a ON a.id = s.assignment_id
            WHERE s.id = :id AND s.student_id = :userId`,
          submissionId,
        ]
      : [
          `SELECT a.max_file_bytes FROM assignments a
            WHERE a.id = :id AND a.status = 'published'
              AND (a.classroom_id IS NULL OR a.classroom_id = (SELECT classroom_id FROM users WHERE id = :userId))`,
          assignmentId,
        ];
    if (!id || !UUID.test(id)) return undefined;
    const rows = await sequelize.query<{ max_file_bytes: number }>(sql, { replacements: { id, userId: user.id }, type: QueryTypes.SELECT });
    return rows[0]?.max_file_bytes;
  };
}
