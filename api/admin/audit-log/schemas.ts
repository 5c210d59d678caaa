import Joi from 'joi';
import { paginationKeys } from '../../http/pagination';
import type { Pagination } from '../../../common/paging';
import { AUDIT_TYPES, type AuditType } from '../../../common/models';

export const auditLogQuery = Joi.object({
  ...paginationKeys,
  userId: Joi.string().uuid(),
  type: Joi.alternatives().try(
    Joi.string().valid(...AUDIT_TYPES),
    Joi.array()
      .items(Joi.string().valid(...AUDIT_TYPES))
      .max(AUDIT_TYPES.length),
  ),
  from: Joi.date().iso(),
  to: Joi.date().iso(),
});

export interface AuditLogQuery extends Pagination {
  userId?: string;
  type?: AuditType | AuditType[];
  from?: Date;
  to?: Date;
}
