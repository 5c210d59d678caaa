import Joi from 'joi';
import { REVIEW_STATUSES } from '../../../common/models';

export const gradeBody = Joi.object({
  grade: Joi.number().min(0).precision(2),
  feedback: Joi.string().max(10_000).allow(''),
  status: Joi.string()
    .valid(...REVIEW_STATUSES)
    .default('graded'),
});
