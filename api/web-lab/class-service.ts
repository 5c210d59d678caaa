import { QueryTypes, type Sequelize } from 'sequelize';
import { limitOffset, type Pagination } from '../../common/paging';
import { taughtClassroomIds, type Actor } from '../access/classrooms';
import { findManageableAssignment } from './access';

export interface ProjectListQuery extends Pagination {
  classroomId?: string;
  status?: string;
}

interface ProjectRow {
  project_id: string;
  user_id: string;
  name: string;
  classroom_id: string | null;
  status: string;
  revision: number;
  submitted_at: Date | null;
  updated_at: Date;
  version_id: string | null;
  version_number: number | null;
  check_status: string | null;
  score: number | null;
  max_score: number | null;
  has_thumbnail: boolean | null;
  total: string;
}

/** A class's projects for one assignment, each with its latest version's check score and thumbnail. */
export class WebClassService {
  constructor(private readonly sequelize: Sequelize) {}

  async list(user: Actor, assignmentId: string, query: ProjectListQuery) {
    const a = await findManageableAssignment(user, assignmentId);
    const scope = user.role === 'admin' ? null : await taughtClassroomIds(user.id);
    const rows = await this.sequelize.query<ProjectRow>(
      `SELECT p.id AS project_id, p.user_id, u.name, p.classroom_id, p.status, p.revision, p.submitted_at, p.updated_at,
              v.id AS version_id, v.number AS version_number, v.status AS check_status, v.score, v.max_score,
              (v.thumbnail_key IS NOT NULL) AS has_thumbnail, count(*) OVER () AS total
         FROM web_projects p
         JOIN users u ON u.id = p.user_id
         LEFT JOIN LATERAL (SELECT * FROM web_versions w WHERE w.project_id = p.id ORDER BY w.number DESC LIMIT 1) v ON true
        WHERE p.assignment_id = :a
          AND (:allScopes OR p.classroom_id = ANY(:scope::uuid[]))
          AND (:classroomId::uuid IS NULL OR p.classroom_id = :classroomId::uuid)
          AND (:status::text IS NULL OR p.status = :status::text)
        ORDER BY u.name, p.id
        LIMIT :limit OFFSET :offset`,
      {
        replacements: {
          a: a.id,
          allScopes: scope === null,
          scope: `{${(scope ?? []).join(',')}}`,
          classroomId: query.classroomId ?? null,
          status: query.status ?? null,
          ...limitOffset(query),
        },
        type: QueryTypes.SELECT,
      },
    );
    const data = rows.map((r) => ({
      projectId: r.project_id,
      student: { id: r.user_id, name: r.name },
      classroomId: r.classroom_id,
      status: r.status,
      revision: r.revision,
      submittedAt: r.submitted_at,
      updatedAt: r.updated_at,
      latestVersion: r.version_id
        ? {
            id: r.version_id,
            number: r.version_number,
            status: r.check_status,
            score: r.score,
            maxScore: r.max_score,
            thumbnailUrl: r.has_thumbnail ? `/api/v2/web-lab/submissions/${r.version_id}/screenshot?size=thumbnail` : null,
          }
        : null,
    }));
    return { data, total: rows.length ? Number(rows[0].total) : 0 };
  }
}
