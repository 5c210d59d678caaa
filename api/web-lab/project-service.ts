import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize';
import { WebProject, type WebAssignment } from '../../common/models';
import { AppError, ConflictError, ForbiddenError } from '../../common/errors';
import { validateTree, type TreeLimits } from '../../common/web-lab/file-tree';
import type { WebFile } from '../../common/web-lab/types';
import { classroomOf, type Actor } from '../access/classrooms';
import { findViewableAssignment } from './access';
import { presentDraft } from './present';
import { extractZip } from '../../common/web-lab/archive';

/** The draft's revision as an ETag: `"<revision>"`; 0 is the starter files before the first save. */
export const etagOf = (revision: number) => `"${revision}"`;
export const revisionOf = (etag: string) => Number(etag.replace(/^W\//, '').replace(/"/g, ''));

export class PreconditionFailedError extends AppError {
  constructor(current: number) {
    super(412, 'DRAFT_CHANGED', 'The draft was saved elsewhere since you loaded it; reload it before saving', { revision: current });
  }
}
export class PreconditionRequiredError extends AppError {
  constructor() {
    super(428, 'IF_MATCH_REQUIRED', 'Send the ETag of the draft you edited as If-Match');
  }
}

export class WebProjectService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly limits: TreeLimits,
  ) {}

  /** The student's draft, or the starter files at revision 0 when nothing was saved yet. */
  async getDraft(user: Actor, assignmentId: string) {
    const assignment = await this.studentAssignment(user, assignmentId);
    const project = await WebProject.findOne({ where: { assignmentId: assignment.id, userId: user.id } });
    if (project) return presentDraft(project);
    return presentDraft({
      id: null,
      assignmentId: assignment.id,
      files: assignment.starterFiles,
      revision: 0,
      status: 'draft',
      submittedAt: null,
      updatedAt: assignment.updatedAt,
    });
  }

  /**
   * Saves the draft only if it is still at the revision the client edited (`ifMatch`), in one
   * conditional statement, so of two tabs saving at once exactly one wins and the other gets 412.
   */
  async saveDraft(user: Actor, assignmentId: string, files: WebFile[], ifMatch: string | undefined) {
    if (!ifMatch) throw new PreconditionRequiredError();
    const expected = revisionOf(ifMatch);
    const assignment = await this.studentAssignment(user, assignmentId);
    const tree = validateTree(files, this.limits);
    return this.write(user, assignment, tree, expected);
  }

  async uploadZip(user: Actor, assignmentId: string, zip: Buffer, ifMatch: string | undefined) {
    if (!ifMatch) throw new PreconditionRequiredError();
    const assignment = await this.studentAssignment(user, assignmentId);
    const tree = validateTree(await extractZip(zip, this.limits), this.limits);
    return this.write(user, assignment, tree, revisionOf(ifMatch));
  }

  /** Writes the files as the next revision after `expected` (undefined: whatever the current one is). */
  async write(user: Actor, assignment: WebAssignment, files: WebFile[], expected: number | undefined): Promise<ReturnType<typeof presentDraft>> {
    const classroomId = await classroomOf(user.id);
    const json = JSON.stringify(files);
    if (expected === 0) {
      const [created] = await this.sequelize.query<{ id: string }>(
        `INSERT INTO web_projects (assignment_id, user_id, classroom_id, files, revision) VALUES (:a, :u, :c, :f::jsonb, 1)
         ON CONFLICT (assignment_id, user_id) DO NOTHING RETURNING id`,
        { replacements: { a: assignment.id, u: user.id, c: classroomId, f: json }, type: QueryTypes.SELECT },
      );
      if (!created) throw new PreconditionFailedError(await this.currentRevision(assignment.id, user.id));
    } else {
      const rows = await this.sequelize.query<{ id: string }>(
        `UPDATE web_projects SET files = :f::jsonb, revision = revision + 1, updated_at = now()
         WHERE assignment_id = :a AND user_id = :u AND status <> 'graded' ${expected === undefined ? '' : 'AND revision = :r'} RETURNING id`,
        { replacements: { a: assignment.id, u: user.id, f: json, r: expected ?? 0 }, type: QueryTypes.SELECT },
      );
      if (!rows.length) {
        const existing = await WebProject.findOne({ where: { assignmentId: assignment.id, userId: user.id } });
        if (existing?.status === 'graded') throw new ConflictError('This project is graded and can no longer change', 'PROJECT_GRADED');
        if (existing || expected !== undefined) throw new PreconditionFailedError(existing?.revision ?? 0);
        return this.write(user, assignment, files, 0);
      }
    }
    return presentDraft((await WebProject.findOne({ where: { assignmentId: assignment.id, userId: user.id } }))!);
  }

  private async currentRevision(assignmentId: string, userId: string): Promise<number> {
    return (await WebProject.findOne({ where: { assignmentId, userId }, attributes: ['revision'] }))?.revision ?? 0;
  }

  /**
   * Drafts belong to students; staff read projects through the class list and submissions. A student
   * sees only published, unarchived assignments (mayViewAssignment), so a closed one is a 404.
   */
  async studentAssignment(user: Actor, assignmentId: string): Promise<WebAssignment> {
    const assignment = await findViewableAssignment(user, assignmentId);
    if (user.role !== 'student') throw new ForbiddenError('Only students keep drafts');
    return assignment;
  }
}
