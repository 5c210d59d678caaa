import type { RequestHandler } from 'express';
import Joi from 'joi';
import type { StreamTopic } from '../../common/realtime/stream-log';
import { sendData } from '../http/respond';
import { input, validate } from '../http/validate';
import type { ApiDeps } from '../deps';

/** `?ticket=` of a stream route: the one-time ticket, for `EventSource` (never an access token). */
export const streamQuery = Joi.object({ ticket: Joi.string().max(100) });

/**
 * The two routes every stream feature has: `POST …/stream-ticket` (bearer) and the stream itself,
 * opened with a bearer token or a ticket. A feature mounts them with its own paths.
 */
export function streamHandlers(deps: ApiDeps, topic: StreamTopic) {
  const authenticate: RequestHandler = (req, res, next) => {
    const { ticket } = input<{ ticket?: string }>(req, 'query');
    if (ticket === undefined) return deps.auth.requireAuth(req, res, next);
    deps.streamTickets.redeem(ticket, topic).then((user) => {
      req.user = user;
      next();
    }, next);
  };

  const open: RequestHandler = (req, res, next) => {
    const lastEventId = req.get('last-event-id') ?? undefined;
    deps.streams.open(req, res, req.user!, topic, lastEventId).catch((err: unknown) => {
      if (!res.headersSent) return next(err);
      deps.logger.warn('stream failed', { topic, error: (err as Error).message });
      res.destroy();
    });
  };

  const ticket: RequestHandler = async (req, res) => {
    sendData(res, await deps.streamTickets.issue(req.user!, topic), 201);
  };

  return { stream: [validate({ query: streamQuery }), authenticate, open], ticket: [deps.auth.requireAuth, ticket] };
}
