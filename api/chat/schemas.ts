import Joi from 'joi';
import { SUPPORT_PRIORITIES, SUPPORT_STATUSES } from '../../common/models';
import { MAX_MARKDOWN_LENGTH } from '../../common/text/markdown';
import { paginationKeys } from '../http/pagination';

export const idParams = Joi.object({ id: Joi.string().uuid().required() });
export const pageQuery = Joi.object(paginationKeys);

const only = (kind: string, schema: Joi.Schema, required = true) =>
  schema.when('kind', { is: kind, then: required ? Joi.required() : Joi.optional(), otherwise: Joi.forbidden() });

/** `direct` + `userId`, `support` + `subject` (+ `priority`), or `classroom` + `classroomId`. */
export const newConversationBody = Joi.object({
  kind: Joi.string().valid('direct', 'support', 'classroom').required(),
  userId: only('direct', Joi.string().uuid()),
  subject: only('support', Joi.string().trim().min(1).max(200)),
  priority: only('support', Joi.string().valid(...SUPPORT_PRIORITIES), false),
  classroomId: only('classroom', Joi.string().uuid()),
});

/** Cursor paging: `before` a message id, newest first (README.md#chat). */
export const messagesQuery = Joi.object({
  before: Joi.string().uuid(),
  limit: Joi.number().integer().min(1).max(100).default(50),
});

const body = Joi.string().trim().min(1).max(MAX_MARKDOWN_LENGTH).required();
export const newMessageBody = Joi.object({ conversationId: Joi.string().uuid().required(), body });
export const editMessageBody = Joi.object({ body });

export const supportListQuery = Joi.object({ ...paginationKeys, status: Joi.string().valid(...SUPPORT_STATUSES) });
export const supportChangeBody = Joi.object({
  status: Joi.string().valid(...SUPPORT_STATUSES),
  priority: Joi.string().valid(...SUPPORT_PRIORITIES),
  assigneeId: Joi.string().uuid().allow(null),
}).min(1);
