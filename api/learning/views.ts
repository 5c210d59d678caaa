import type { Assignment, Submission, SubmissionGrade } from '../../common/models';
import type { AttachedFile } from './submissions/files';

export interface AssignmentRow {
  id: string;
  title: string;
  description: string;
  classroomId: string | null;
  kind: string;
  dueAt: Date;
  maxPoints: number;
  acceptLate: boolean;
  latePenaltyPercent: number;
  maxLateDays: number | null;
  maxAttempts: number;
  allowedFileTypes: string[];
  maxFileBytes: number;
  status: string;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function assignmentView(a: AssignmentRow | Assignment) {
  return {
    id: a.id,
    title: a.title,
    description: a.description,
    classroomId: a.classroomId ?? null,
    kind: a.kind,
    dueAt: a.dueAt,
    maxPoints: a.maxPoints,
    latePolicy: { acceptLate: a.acceptLate, penaltyPercentPerDay: a.latePenaltyPercent, maxLateDays: a.maxLateDays ?? null },
    maxAttempts: a.maxAttempts,
    allowedFileTypes: a.allowedFileTypes,
    maxFileBytes: a.maxFileBytes,
    status: a.status,
    createdBy: a.createdBy ?? null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** snake_case row from raw SQL → the model's attribute names. */
export function assignmentFromRow(r: Record<string, unknown>): AssignmentRow {
  return {
    id: r.id as string,
    title: r.title as string,
    description: r.description as string,
    classroomId: (r.classroom_id as string | null) ?? null,
    kind: r.kind as string,
    dueAt: r.due_at as Date,
    maxPoints: r.max_points as number,
    acceptLate: r.accept_late as boolean,
    latePenaltyPercent: r.late_penalty_percent as number,
    maxLateDays: (r.max_late_days as number | null) ?? null,
    maxAttempts: r.max_attempts as number,
    allowedFileTypes: (r.allowed_file_types as string[]) ?? [],
    maxFileBytes: r.max_file_bytes as number,
    status: r.status as string,
    createdBy: (r.created_by as string | null) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

export function gradeHistoryView(g: SubmissionGrade) {
  return {
    grade: g.grade,
    rawGrade: g.rawGrade,
    penaltyPercent: g.penaltyPercent,
    feedback: g.feedback,
    status: g.status,
    gradedBy: g.gradedBy,
    gradedAt: g.gradedAt,
  };
}

export function submissionView(
  s: Submission,
  files: AttachedFile[],
  extra: { history?: SubmissionGrade[]; assignment?: Pick<Assignment, 'id' | 'title' | 'maxPoints' | 'dueAt' | 'kind'> } = {},
) {
  return {
    id: s.id,
    assignmentId: s.assignmentId,
    studentId: s.studentId,
    attempt: s.attempt,
    content: s.content,
    status: s.status,
    submittedAt: s.submittedAt,
    daysLate: s.daysLate,
    penaltyPercent: s.penaltyPercent,
    grade: s.grade ?? null,
    rawGrade: s.rawGrade ?? null,
    feedback: s.feedback ?? null,
    gradedBy: s.gradedBy ?? null,
    gradedAt: s.gradedAt ?? null,
    files,
    ...(extra.assignment
      ? {
          assignment: {
            id: extra.assignment.id,
            title: extra.assignment.title,
            kind: extra.assignment.kind,
            dueAt: extra.assignment.dueAt,
            maxPoints: extra.assignment.maxPoints,
          },
        }
      : {}),
    ...(extra.history ? { gradeHistory: extra.history.map(gradeHistoryView) } : {}),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
