import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { createRateLimiter } from '../middleware/rate-limit';
import type { ApiDeps } from '../deps';
import { streamHandlers } from '../streams/http';
import * as s from './schemas';
import { chatController } from './controller';
import { ChatService } from './service';

/** README.md#chat */
export function chatRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth, requireRole } = deps.auth;
  const service = new ChatService({ sequelize: deps.sequelize, realtime: deps.realtime, redis: deps.redis, prefix: deps.config.redis.prefix });
  const c = chatController(service);
  const streams = streamHandlers(deps, 'chat');
  const messageLimit = deps.config.rateLimit.enabled
    ? [
        createRateLimiter({
          name: 'chat-message',
          windowMs: deps.config.rateLimit.windowMs,
          max: deps.config.rateLimit.chatMessageMax,
          redis: deps.redis,
          prefix: deps.config.redis.prefix,
          key: (req) => req.user?.id,
          message: 'Too many messages, slow down',
        }),
      ]
    : [];
  return new ApiRouter('/api/v2/chat')
    .get('/conversations', requireAuth, validate({ query: s.pageQuery }), c.list)
    .post('/conversations', requireAuth, validate({ body: s.newConversationBody }), c.create)
    .get('/conversations/:id', requireAuth, validate({ params: s.idParams }), c.get)
    .get('/conversations/:id/messages', requireAuth, validate({ params: s.idParams, query: s.messagesQuery }), c.messages)
    .post('/conversations/:id/read', requireAuth, validate({ params: s.idParams }), c.read)
    .post('/messages', requireAuth, ...messageLimit, validate({ body: s.newMessageBody }), c.post)
    .put('/messages/:id', requireAuth, validate({ params: s.idParams, body: s.editMessageBody }), c.edit)
    .delete('/messages/:id', requireAuth, validate({ params: s.idParams }), c.remove)
    .post('/stream-ticket', ...streams.ticket)
    .get('/sse', ...streams.stream)
    .get('/support', requireAuth, requireRole('admin'), validate({ query: s.supportListQuery }), c.supportList)
    .patch('/support/:id', requireAuth, requireRole('admin'), validate({ params: s.idParams, body: s.supportChangeBody }), c.supportUpdate);
}
