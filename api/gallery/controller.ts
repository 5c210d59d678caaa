import type { RequestHandler } from 'express';
import { BadRequestError } from '../../common/errors';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { GalleryService } from './service';
import type { GalleryFields, GalleryQuery } from './schemas';

export function galleryController(service: GalleryService) {
  const isAdmin = (req: Parameters<RequestHandler>[0]) => req.user?.role === 'admin';
  const list: RequestHandler = async (req, res) => {
    const query = input<GalleryQuery>(req, 'query');
    const { rows, total } = await service.list(query, isAdmin(req));
    sendList(res, rows, { page: query.page, pageSize: query.pageSize, total });
  };
  const show: RequestHandler = async (req, res) => {
    sendData(res, await service.show(input<{ id: string }>(req, 'params').id, isAdmin(req)));
  };
  const create: RequestHandler = async (req, res) => {
    const [file] = (req.files as Express.Multer.File[] | undefined) ?? [];
    if (!file) throw new BadRequestError('FILE_REQUIRED', 'Send the picture in the multipart field "image"', { field: 'image' });
    sendData(res, await service.create(req.user!.id, file, input<GalleryFields>(req, 'body')), 201);
  };
  const update: RequestHandler = async (req, res) => {
    sendData(res, await service.update(input<{ id: string }>(req, 'params').id, input<Partial<GalleryFields>>(req, 'body')));
  };
  const remove: RequestHandler = async (req, res) => {
    await service.remove(input<{ id: string }>(req, 'params').id);
    res.status(204).end();
  };
  return { list, show, create, update, remove };
}
