import type { RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import { listClassrooms } from './service';
import type { ClassroomJoinService } from './join-service';
import type { JoinInput, ListQuery } from './schemas';

export const list: RequestHandler = async (req, res) => {
  const page = input<ListQuery>(req, 'query');
  const { rows, total } = await listClassrooms(req.user!, page);
  sendList(res, rows, { page: page.page, pageSize: page.pageSize, total });
};

export function joinCodeController(service: ClassroomJoinService) {
  const rotate: RequestHandler = async (req, res) => {
    sendData(res, await service.rotate(req.user!, input<{ id: string }>(req, 'params').id));
  };
  const disable: RequestHandler = async (req, res) => {
    await service.disable(req.user!, input<{ id: string }>(req, 'params').id);
    res.status(204).end();
  };
  const join: RequestHandler = async (req, res) => {
    sendData(res, await service.join(req.user!, input<JoinInput>(req, 'body').joinCode));
  };
  return { rotate, disable, join };
}
