import Joi from 'joi';

export const MAX_PAGE_SIZE = 100;

export interface Pagination {
  page: number;
  pageSize: number;
}

/** `?page=&pageSize=`: a page size above the cap is served at the cap rather than refused. */
export const paginationKeys = {
  page: Joi.number().integer().min(1).max(100_000).default(1),
  pageSize: Joi.number()
    .integer()
    .min(1)
    .default(20)
    .custom((v: number) => Math.min(v, MAX_PAGE_SIZE)),
};

export function limitOffset({ page, pageSize }: Pagination): { limit: number; offset: number } {
  return { limit: pageSize, offset: (page - 1) * pageSize };
}
