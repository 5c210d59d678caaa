import type { RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendList } from '../http/respond';
import { listClassrooms } from './service';
import type { ListQuery } from './schemas';

export const list: RequestHandler = async (req, res) => {
  const page = input<ListQuery>(req, 'query');
  const { rows, total } = await listClassrooms(req.user!, page);
  sendList(res, rows, { page: page.page, pageSize: page.pageSize, total });
};
