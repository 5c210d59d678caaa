import Joi from 'joi';
import { paginationKeys } from '../http/pagination';
import type { Pagination } from '../../common/paging';

export const listQuery = Joi.object({ ...paginationKeys });
export type ListQuery = Pagination;
