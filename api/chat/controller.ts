import type { RequestHandler } from 'express';
import type { SupportStatus } from '../../common/models';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { ChatService, NewConversation, SupportChange } from './service';

interface Page {
  page: number;
  pageSize: number;
}

export function chatController(service: ChatService) {
  const me = (req: Parameters<RequestHandler>[0]) => ({ id: req.user!.id, role: req.user!.role, name: req.user!.name });
  const id = (req: Parameters<RequestHandler>[0]) => input<{ id: string }>(req, 'params').id;

  const list: RequestHandler = async (req, res) => {
    const q = input<Page>(req, 'query');
    const { rows, total } = await service.list(me(req), q.page, q.pageSize);
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const create: RequestHandler = async (req, res) => {
    const { conversation, created } = await service.create(me(req), input<NewConversation>(req, 'body'));
    sendData(res, conversation, created ? 201 : 200);
  };
  const get: RequestHandler = async (req, res) => {
    sendData(res, await service.get(me(req), id(req)));
  };
  const messages: RequestHandler = async (req, res) => {
    const q = input<{ before?: string; limit: number }>(req, 'query');
    const { rows, nextBefore } = await service.messages(me(req), id(req), q.before, q.limit);
    // the documented exception to page/pageSize: a cursor, because messages arrive while you page
    res.status(200).json({ data: rows, meta: { limit: q.limit, nextBefore } });
  };
  const read: RequestHandler = async (req, res) => {
    sendData(res, await service.read(me(req), id(req)));
  };
  const post: RequestHandler = async (req, res) => {
    const b = input<{ conversationId: string; body: string }>(req, 'body');
    sendData(res, await service.post(me(req), b.conversationId, b.body), 201);
  };
  const edit: RequestHandler = async (req, res) => {
    sendData(res, await service.edit(me(req), id(req), input<{ body: string }>(req, 'body').body));
  };
  const remove: RequestHandler = async (req, res) => {
    await service.remove(me(req), id(req));
    res.status(204).end();
  };
  const supportList: RequestHandler = async (req, res) => {
    const q = input<Page & { status?: SupportStatus }>(req, 'query');
    const { rows, total } = await service.supportList(me(req), q.status, q.page, q.pageSize);
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const supportUpdate: RequestHandler = async (req, res) => {
    sendData(res, await service.supportUpdate(me(req), id(req), input<SupportChange>(req, 'body')));
  };
  return { list, create, get, messages, read, post, edit, remove, supportList, supportUpdate };
}
