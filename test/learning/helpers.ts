import request from 'supertest';
import { Assignment, Submission, type AssignmentKind, type AssignmentStatus, type User } from '../../common/models';
import { app } from '../support/deps';
import { bearer } from '../support/factories';

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

export interface AssignmentOptions {
  classroomId: string | null;
  title?: string;
  description?: string;
  kind?: AssignmentKind;
  status?: AssignmentStatus;
  /** milliseconds from now: negative is in the past */
  dueIn?: number;
  maxPoints?: number;
  acceptLate?: boolean;
  latePenaltyPercent?: number;
  maxLateDays?: number | null;
  maxAttempts?: number;
  allowedFileTypes?: string[];
  maxFileBytes?: number;
  createdBy?: string | null;
}

/** An assignment written straight to the database, so a test can put its due time in the past. */
export function makeAssignment(o: AssignmentOptions): Promise<Assignment> {
  return Assignment.create({
    title: o.title ?? `Task ${Math.random().toString(36).slice(2, 8)}`,
    description: o.description ?? 'Do the work',
    classroomId: o.classroomId,
    kind: o.kind ?? 'text',
    status: o.status ?? 'published',
    dueAt: new Date(Date.now() + (o.dueIn ?? 7 * DAY)),
    maxPoints: o.maxPoints ?? 100,
    acceptLate: o.acceptLate ?? false,
    latePenaltyPercent: o.latePenaltyPercent ?? 0,
    maxLateDays: o.maxLateDays ?? null,
    maxAttempts: o.maxAttempts ?? 1,
    allowedFileTypes: o.allowedFileTypes ?? [],
    maxFileBytes: o.maxFileBytes ?? 10 * 1024 * 1024,
    createdBy: o.createdBy ?? null,
  });
}

/** A submission written straight to the database, for figures that need a past or a grade. */
export function makeSubmission(
  a: Assignment,
  student: User,
  o: Partial<Pick<Submission, 'attempt' | 'status' | 'grade' | 'rawGrade' | 'daysLate' | 'feedback' | 'gradedAt' | 'content'>> & {
    submittedAt?: Date;
  } = {},
): Promise<Submission> {
  return Submission.create({
    assignmentId: a.id,
    studentId: student.id,
    attempt: o.attempt ?? 1,
    content: o.content ?? 'my answer',
    status: o.status ?? 'submitted',
    submittedAt: o.submittedAt ?? new Date(),
    daysLate: o.daysLate ?? 0,
    grade: o.grade ?? null,
    rawGrade: o.rawGrade ?? o.grade ?? null,
    feedback: o.feedback ?? null,
    gradedAt: o.gradedAt ?? (o.grade !== undefined ? new Date() : null),
  });
}

/** Hands in text through the real route. */
export function submitText(student: User, assignmentId: string, content = 'my answer') {
  return request(app()).post('/api/v2/tutorial/submissions').set(bearer(student)).send({ assignmentId, content });
}

export function grade(teacher: User, submissionId: string, body: Record<string, unknown>) {
  return request(app()).patch(`/api/v2/admin/submissions/${submissionId}/grade`).set(bearer(teacher)).send(body);
}
