import Joi from 'joi';
import { paginationKeys } from '../http/pagination';
import type { Pagination } from '../../common/paging';

export const listQuery = Joi.object({ ...paginationKeys });
export type ListQuery = Pagination;

export const idParams = Joi.object({ id: Joi.string().uuid().required() });

/** Typed as a person reads it off the board: case, spaces and a dash do not matter. */
export const joinCode = Joi.string().trim().min(1).max(20);

export const joinBody = Joi.object({ joinCode: joinCode.required() });
export interface JoinInput {
  joinCode: string;
}
