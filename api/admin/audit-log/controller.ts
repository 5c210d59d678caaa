import type { RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendList } from '../../http/respond';
import { limitOffset } from '../../../common/paging';
import { listAuditLog } from './service';
import type { AuditLogQuery } from './schemas';

export const list: RequestHandler = async (req, res) => {
  const q = input<AuditLogQuery>(req, 'query');
  const { rows, total } = await listAuditLog(q, limitOffset(q));
  sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
};
