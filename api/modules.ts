import type { ApiDeps } from './deps';
import type { ApiRouter } from './http/router';
import type { RoomAuthorizer, SocketHandlers } from './realtime/socket-server';
import { chatTyping } from './chat/socket';
import { codingLabRoutes } from './coding-lab/routes';
import { aiEvaluationRoutes } from './ai-evaluation/routes';
import { submissionRoom, rejudgeRoom } from './coding-lab/room-authorizers';
import { authRoutes } from './auth/routes';
import { studentRoutes } from './student/routes';
import { classroomRoutes } from './classrooms/routes';
import { fileRoutes } from './files/routes';
import { announcementRoutes } from './announcements/routes';
import { contactRoutes } from './contact/routes';
import { uploadRoutes } from './uploads/routes';
import { siteRouters } from './gallery';
import { seedRoutes } from './seed/routes';
import { notificationRoutes } from './notifications/routes';
import { chatRoutes } from './chat/routes';
import { discussionRoutes } from './discussion/routes';
import { learningRouters } from './learning/routers';
import { peopleRoutes } from './admin/people/routes';
import { studentsCsvRoutes } from './admin/students-csv/routes';
import { adminClassroomRoutes } from './admin/classrooms/routes';
import { schoolEventRoutes } from './admin/events/routes';
import { auditLogRoutes } from './admin/audit-log/routes';
import { legacyImportRoutes } from './admin/legacy-imports/routes';
import { analyticsRoutes } from './admin/analytics/routes';
import { adminDashboardRoutes } from './admin/dashboard/routes';
import { queueDashboardRoutes } from './admin/queues/routes';
import { webLabRoutes } from './web-lab/routes';
import { webVersionRoom, webRecheckRoom } from './web-lab/room-authorizers';

/**
 * Every feature's routers, in mount order. A feature adds one line here; the OpenAPI agreement test
 * picks its routes up from the routers themselves.
 */
export function featureRouters(_deps: ApiDeps): ApiRouter[] {
  return [
    codingLabRoutes(_deps),
    authRoutes(_deps),
    studentRoutes(_deps),
    classroomRoutes(_deps),
    aiEvaluationRoutes(_deps),
    fileRoutes(_deps),
    ...learningRouters(_deps),
    announcementRoutes(_deps),
    ...contactRoutes(_deps),
    uploadRoutes(_deps),
    ...siteRouters(_deps),
    ...seedRoutes(_deps),
    notificationRoutes(_deps),
    chatRoutes(_deps),
    discussionRoutes(_deps),
    studentsCsvRoutes(_deps),
    peopleRoutes(_deps),
    adminClassroomRoutes(_deps),
    ...schoolEventRoutes(_deps),
    auditLogRoutes(_deps),
    legacyImportRoutes(_deps),
    analyticsRoutes(_deps),
    adminDashboardRoutes(_deps),
    queueDashboardRoutes(_deps),
    ...webLabRoutes(_deps),
  ];
}

/** Room kinds a socket may `subscribe` to, each with its own access check. */
export function featureRoomAuthorizers(_deps: ApiDeps): Record<string, RoomAuthorizer> {
  return {
    submission: submissionRoom,
    rejudge: rejudgeRoom,
    'web-version': webVersionRoom,
    'web-recheck': webRecheckRoom,
  };
}

/** Socket events a feature handles itself (beyond `auth`, `subscribe` and `unsubscribe`), by name. */
export function featureSocketHandlers(_deps: ApiDeps): SocketHandlers {
  return { 'chat:typing': chatTyping };
}
