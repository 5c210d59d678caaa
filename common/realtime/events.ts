/**
 * Rooms and events pushed to browsers over Socket.IO. The API joins sockets to rooms after
 * checking who may listen; the API and the workers publish through the Redis emitter.
 */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  classroomTeachers: (classroomId: string) => `classroom:${classroomId}:teachers`,
  /** the students of a classroom, joined at the handshake (its teachers are in the teachers' room) */
  classroom: (classroomId: string) => `classroom:${classroomId}`,
  submission: (submissionId: string) => `submission:${submissionId}`,
  /** the staff (teachers, admins) watching one submission: they get hidden tests in full */
  submissionStaff: (submissionId: string) => `submission:${submissionId}:staff`,
  rejudge: (rejudgeId: string) => `rejudge:${rejudgeId}`,
  /** a web-lab version's live checks: README.md#web-lab */
  webVersion: (versionId: string) => `web-version:${versionId}`,
  /** staff watching a web-lab version: hidden checks in full */
  webVersionStaff: (versionId: string) => `web-version:${versionId}:staff`,
  webRecheck: (recheckId: string) => `web-recheck:${recheckId}`,
};

export interface RealtimeEvents {
  'grading:queued': { submissionId: string; taskId?: string; userId?: string };
  'grading:started': { submissionId: string; total: number };
  'grading:test': {
    submissionId: string;
    index: number;
    name: string;
    verdict: string;
    /** to a student, for a hidden test: rounded up to HIDDEN_TEST_*_BUCKET, or null when those are `none` */
    timeMs: number | null;
    memoryKb: number | null;
    hidden?: boolean;
  };
  'grading:completed': { submissionId: string; verdict: string; score: number; maxScore: number };
  'web-check:queued': { versionId: string };
  'web-check:started': { versionId: string; total: number };
  'web-check:result': {
    versionId: string;
    index: number;
    checkId: string;
    title: string;
    status: string;
    points: number;
    earned: number;
    /** null to a student for a hidden check */
    reason: string | null;
    hidden?: boolean;
  };
  'web-check:completed': { versionId: string; status: string; score: number; maxScore: number };
  'web-recheck:progress': { recheckId: string; done: number; total: number };
  'rejudge:progress': { rejudgeId: string; done: number; total: number };
  /** README.md#admin-bulk-import-and-export */
  'import:progress': { importId: string; status: string; done: number; total: number };
  /** README.md#moving-from-the-old-gema: to the admin who started the run */
  'legacy-import:progress': { runId: string; status: string; entity: string | null; done: number; total: number };
  'submission:graded': { submissionId: string; assignmentId: string; grade: number | null; status: string };
  'file:processed': { fileId: string; status: string; reason?: string | null };
  'ai:evaluated': { evaluationId: string; submissionId: string; status: string };
  'chat:message': ChatMessageEvent;
  'chat:edited': ChatMessageEvent;
  'chat:deleted': ChatMessageEvent;
  'chat:read': { conversationId: string; userId: string; readAt: string };
  /** never stored: relayed between sockets only */
  'chat:typing': { conversationId: string; userId: string; name: string; typing: boolean };
  // body, link and createdAt are always sent by common/notifications; tests use bare markers
  'notification:new': { id: string; type: string; title: string; body?: string; link?: string | null; createdAt?: string };
}
export interface ChatMessageEvent {
  id: string;
  conversationId: string;
  author: { id: string; name: string } | null;
  body: string | null;
  html: string | null;
  deleted: boolean;
  editedAt: string | null;
  createdAt: string;
}
export type RealtimeEventName = keyof RealtimeEvents;
