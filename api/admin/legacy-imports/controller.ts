import type { RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendData, sendList } from '../../http/respond';
import { limitOffset } from '../../../common/paging';
import type { LegacyImportService } from './service';
import type { ListQuery, StartInput } from './schemas';

export function legacyImportsController(service: LegacyImportService) {
  const start: RequestHandler = async (req, res) => {
    const run = await service.start(req.user!.id, input<StartInput>(req, 'body'));
    res.setHeader('Location', `/api/v2/admin/legacy-imports/${run.id}`);
    sendData(res, run, 202);
  };
  const list: RequestHandler = async (req, res) => {
    const q = input<ListQuery>(req, 'query');
    const { limit, offset } = limitOffset(q);
    const { rows, total } = await service.list(limit, offset);
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const get: RequestHandler = async (req, res) => {
    sendData(res, await service.get(input<{ id: string }>(req, 'params').id));
  };
  return { start, list, get };
}
