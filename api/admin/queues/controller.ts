import type { RequestHandler } from 'express';
import { sendData } from '../../http/respond';
import { QUEUE_COOKIE, QUEUE_DASHBOARD_PATH, QUEUE_SESSION_TTL_SECONDS, type QueueSessions } from './session';

export function queueSessionController(sessions: QueueSessions, secureCookie: boolean) {
  /** Sets the short-lived HttpOnly, SameSite=Strict cookie a browser page can carry instead of a Bearer header. */
  const open: RequestHandler = (req, res) => {
    const { token, expiresAt } = sessions.issue(req.user!);
    res.cookie(QUEUE_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookie,
      path: QUEUE_DASHBOARD_PATH,
      maxAge: QUEUE_SESSION_TTL_SECONDS * 1000,
    });
    res.setHeader('Cache-Control', 'no-store');
    sendData(res, { url: `${QUEUE_DASHBOARD_PATH}/`, expiresAt }, 201);
  };
  return { open };
}
