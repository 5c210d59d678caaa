import Joi from 'joi';
import { paginationKeys, type Pagination } from '../http/pagination';

export const listQuery = Joi.object({ ...paginationKeys });
export type ListQuery = Pagination;
