import Joi from 'joi';
import { MAX_MARKDOWN_LENGTH } from '../../common/text/markdown';
import { paginationKeys } from '../http/pagination';

export const idParams = Joi.object({ id: Joi.string().uuid().required() });

const tag = Joi.string()
  .trim()
  .pattern(/^[\p{L}\p{N}+#._-]{1,30}$/u);
const body = Joi.string().trim().min(1).max(MAX_MARKDOWN_LENGTH);
const title = Joi.string().trim().min(3).max(200);

export const threadListQuery = Joi.object({
  ...paginationKeys,
  tag,
  classroomId: Joi.string().uuid(),
  q: Joi.string().trim().min(1).max(200),
  unanswered: Joi.boolean(),
  sort: Joi.string().valid('activity', 'newest').default('activity'),
});

export const newThreadBody = Joi.object({
  title: title.required(),
  body: body.required(),
  tags: Joi.array().items(tag).max(5).unique(),
  classroomId: Joi.string().uuid().allow(null),
});

export const threadChangeBody = Joi.object({
  title,
  body,
  tags: Joi.array().items(tag).max(5).unique(),
  pinned: Joi.boolean(),
  locked: Joi.boolean(),
  acceptedReplyId: Joi.string().uuid().allow(null),
}).min(1);

export const replyListQuery = Joi.object({ ...paginationKeys, threadId: Joi.string().uuid().required() });

export const newReplyBody = Joi.object({
  threadId: Joi.string().uuid().required(),
  body: body.required(),
  replyTo: Joi.string().uuid().allow(null),
});

export const replyChangeBody = Joi.object({ body: body.required() });
