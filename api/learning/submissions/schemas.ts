import Joi from 'joi';
import { paginationKeys } from '../../http/pagination';
import { SUBMISSION_STATUSES } from '../../../common/models';

export const submissionListQuery = Joi.object({
  ...paginationKeys,
  assignmentId: Joi.string().uuid(),
  studentId: Joi.string().uuid(),
  status: Joi.string().valid(...SUBMISSION_STATUSES),
});

const content = Joi.string().max(50_000).allow('');

/** multipart text fields arrive as strings; joi converts and checks them like JSON. */
export const newSubmissionBody = Joi.object({
  assignmentId: Joi.string().uuid().required(),
  content,
});

export const submissionChangeBody = Joi.object({
  content,
  status: Joi.string().valid('returned', 'needs_revision'),
  feedback: Joi.string().max(10_000).allow(''),
});
