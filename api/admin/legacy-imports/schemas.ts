import Joi from 'joi';
import { paginationKeys } from '../../http/pagination';
import type { Pagination } from '../../../common/paging';
import type { AdminsAs } from '../../../common/legacy-import/types';

export const runParams = Joi.object({ id: Joi.string().uuid().required() });

/** The legacy database is LEGACY_DATABASE_URL's: the body names what to do, never where to connect. */
export const startBody = Joi.object({
  mode: Joi.string().valid('import', 'dry-run', 'verify').default('import'),
  adminsAs: Joi.string().valid('owners-are-teachers', 'teachers', 'admins').default('owners-are-teachers'),
  rejudge: Joi.boolean().default(false),
  academicYear: Joi.string()
    .pattern(/^\d{4}\/\d{4}$/)
    .messages({ 'string.pattern.base': '{{#label}} must look like 2025/2026' }),
});

export interface StartInput {
  mode: 'import' | 'dry-run' | 'verify';
  adminsAs: AdminsAs;
  rejudge: boolean;
  academicYear?: string;
}

export const listQuery = Joi.object({ ...paginationKeys });
export type ListQuery = Pagination;
