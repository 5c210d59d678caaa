import type { ApiDeps } from './deps';
import type { ApiRouter } from './http/router';
import type { RoomAuthorizer } from './realtime/socket-server';
import { codingLabRoutes } from './coding-lab/routes';
import { aiEvaluationRoutes } from './ai-evaluation/routes';
import { submissionRoom, rejudgeRoom } from './coding-lab/room-authorizers';
import { authRoutes } from './auth/routes';
import { studentRoutes } from './student/routes';
import { classroomRoutes } from './classrooms/routes';
import { fileRoutes } from './files/routes';
import { learningRouters } from './tutorial/routers';
import { announcementRoutes } from './announcements/routes';
import { contactRoutes } from './contact/routes';
import { uploadRoutes } from './uploads/routes';
import { siteRouters } from './gallery';
import { seedRoutes } from './seed/routes';

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
  ];
}

/** Room kinds a socket may `subscribe` to, each with its own access check. */
export function featureRoomAuthorizers(_deps: ApiDeps): Record<string, RoomAuthorizer> {
  return {
    submission: submissionRoom,
    rejudge: rejudgeRoom,
  };
}
