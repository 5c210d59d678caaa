import Joi from 'joi';
import { paginationKeys } from '../http/pagination';

export const idParams = Joi.object({ id: Joi.string().uuid().required() });
/** The request has no fields; anything sent is refused rather than ignored. */
export const evaluateBody = Joi.object({});
export const evaluationListQuery = Joi.object({ ...paginationKeys });
