import type { RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { AnnouncementService, Viewer } from './service';
import type { AnnouncementInput, ListQuery } from './schemas';

const viewerOf = (req: Parameters<RequestHandler>[0]): Viewer => (req.user ? { id: req.user.id, role: req.user.role } : undefined);

export function announcementController(service: AnnouncementService) {
  const list: RequestHandler = async (req, res) => {
    const query = input<ListQuery>(req, 'query');
    const { rows, total } = await service.list(viewerOf(req), query);
    sendList(res, rows, { page: query.page, pageSize: query.pageSize, total });
  };
  const show: RequestHandler = async (req, res) => {
    const { id } = input<{ id: string }>(req, 'params');
    sendData(res, await service.show(viewerOf(req), id, req.ip ?? 'unknown'));
  };
  const create: RequestHandler = async (req, res) => {
    sendData(res, await service.create(viewerOf(req)!, input<AnnouncementInput>(req, 'body')), 201);
  };
  const update: RequestHandler = async (req, res) => {
    const { id } = input<{ id: string }>(req, 'params');
    sendData(res, await service.update(viewerOf(req)!, id, input<Partial<AnnouncementInput>>(req, 'body')));
  };
  const remove: RequestHandler = async (req, res) => {
    const { id } = input<{ id: string }>(req, 'params');
    await service.remove(viewerOf(req)!, id);
    res.status(204).end();
  };
  return { list, show, create, update, remove };
}
