import type { RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendData, sendList } from '../../http/respond';
import { limitOffset, type Pagination } from '../../../common/paging';
import type { SchoolEventService } from './service';
import type { EventInput, EventListQuery } from './schemas';

export function schoolEventController(service: SchoolEventService) {
  const id = (req: Parameters<RequestHandler>[0]) => input<{ id: string }>(req, 'params').id;
  const list: RequestHandler = async (req, res) => {
    const q = input<EventListQuery>(req, 'query');
    const { rows, total } = await service.list(q, limitOffset(q));
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const active: RequestHandler = async (req, res) => {
    const q = input<Pagination>(req, 'query');
    const { rows, total } = await service.upcoming(limitOffset(q));
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const create: RequestHandler = async (req, res) => sendData(res, await service.create(req.user!, input<EventInput>(req, 'body')), 201);
  const update: RequestHandler = async (req, res) => sendData(res, await service.update(req.user!, id(req), input<EventInput>(req, 'body')));
  const remove: RequestHandler = async (req, res) => {
    await service.remove(req.user!, id(req));
    res.status(204).end();
  };
  return { list, active, create, update, remove };
}
