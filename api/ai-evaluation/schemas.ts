import Joi from 'joi';
import { paginationKeys } from '../http/pagination';

export const idParams = Joi.object({ id: Joi.string().uuid().required() });
export const evaluationListQuery = Joi.object({ ...paginationKeys });
