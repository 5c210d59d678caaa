import type { WebAssignment, WebEvaluation, WebProject, WebVersion } from '../../common/models';
import type { CheckResult, WebCheck } from '../../common/web-lab/types';

/** A hidden check is listed to students by title and points only: never what it looks for. */
export function presentCheck(c: WebCheck, staff: boolean) {
  if (staff || c.visibility === 'show') return c;
  return { id: c.id, kind: c.kind, title: c.title, points: c.points, visibility: c.visibility };
}

export function presentAssignment(a: WebAssignment, staff: boolean) {
  return {
    id: a.id,
    title: a.title,
    description: a.description,
    classroomId: a.classroomId,
    starterFiles: a.starterFiles,
    dueAt: a.dueAt,
    acceptLate: a.acceptLate,
    latePenaltyPercent: a.latePenaltyPercent,
    maxLateDays: a.maxLateDays,
    points: a.points,
    autoWeightPercent: a.autoWeightPercent,
    rubric: a.rubric,
    checks: a.checks.map((c) => presentCheck(c, staff)),
    published: a.published,
    archived: a.archivedAt !== null,
    createdBy: a.createdBy,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** A hidden check's result reaches students as passed or failed, without the reason or details. */
export function presentResult(r: CheckResult, staff: boolean) {
  if (staff || r.visibility === 'show') return r;
  return { checkId: r.checkId, kind: r.kind, title: r.title, visibility: r.visibility, status: r.status, points: r.points, earned: r.earned };
}

export function presentEvaluation(e: WebEvaluation) {
  return {
    id: e.id,
    status: e.status,
    scores: e.scores,
    note: e.note,
    rubricTotal: e.rubricTotal,
    grade: e.grade,
    evaluatedBy: e.evaluatedBy,
    createdAt: e.createdAt,
  };
}

export function presentVersionSummary(v: WebVersion) {
  return {
    id: v.id,
    assignmentId: v.assignmentId,
    projectId: v.projectId,
    userId: v.userId,
    number: v.number,
    status: v.status,
    score: v.score,
    maxScore: v.maxScore,
    daysLate: v.daysLate,
    penaltyPercent: v.penaltyPercent,
    hasScreenshot: v.screenshotKey !== null,
    createdAt: v.createdAt,
    finishedAt: v.finishedAt,
  };
}

export function presentVersion(v: WebVersion, staff: boolean, evaluations: WebEvaluation[], projectStatus: string) {
  return {
    ...presentVersionSummary(v),
    projectStatus,
    files: v.files,
    results: v.results.map((r) => presentResult(r, staff)),
    error: v.error,
    evaluations: evaluations.map(presentEvaluation),
  };
}

/** A draft; `id` is null before the first save (the starter files at revision 0). */
export function presentDraft(
  p: Pick<WebProject, 'assignmentId' | 'files' | 'revision' | 'status' | 'submittedAt' | 'updatedAt'> & { id: string | null },
) {
  return {
    projectId: p.id,
    assignmentId: p.assignmentId,
    files: p.files,
    revision: p.revision,
    status: p.status,
    submittedAt: p.submittedAt,
    updatedAt: p.updatedAt,
  };
}
