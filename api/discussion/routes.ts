import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import type { ApiDeps } from '../deps';
import * as s from './schemas';
import { discussionController } from './controller';
import { DiscussionService } from './service';

/** README.md#discussion-forum */
export function discussionRoutes(deps: ApiDeps): ApiRouter {
  const { requireAuth } = deps.auth;
  const c = discussionController(new DiscussionService(deps.sequelize, deps.realtime));
  return new ApiRouter('/api/v2/discussion')
    .get('/threads', requireAuth, validate({ query: s.threadListQuery }), c.listThreads)
    .post('/threads', requireAuth, validate({ body: s.newThreadBody }), c.createThread)
    .get('/threads/:id', requireAuth, validate({ params: s.idParams }), c.getThread)
    .put('/threads/:id', requireAuth, validate({ params: s.idParams, body: s.threadChangeBody }), c.updateThread)
    .delete('/threads/:id', requireAuth, validate({ params: s.idParams }), c.deleteThread)
    .get('/replies', requireAuth, validate({ query: s.replyListQuery }), c.listReplies)
    .post('/replies', requireAuth, validate({ body: s.newReplyBody }), c.createReply)
    .put('/replies/:id', requireAuth, validate({ params: s.idParams, body: s.replyChangeBody }), c.updateReply)
    .delete('/replies/:id', requireAuth, validate({ params: s.idParams }), c.deleteReply);
}
