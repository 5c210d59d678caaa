import Joi from 'joi';
import { MAX_PAGE_SIZE } from '../../common/paging';

/** `?page=&pageSize=`: a page size above the cap is served at the cap rather than refused. */
export const paginationKeys = {
  page: Joi.number().integer().min(1).max(100_000).default(1),
  pageSize: Joi.number()
    .integer()
    .min(1)
    .default(20)
    .custom((v: number) => Math.min(v, MAX_PAGE_SIZE)),
};
