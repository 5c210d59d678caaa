import type { Request, RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { DiscussionService, NewThread, ThreadChange, ThreadQuery } from './service';

export function discussionController(service: DiscussionService) {
  const me = (req: Request) => ({ id: req.user!.id, role: req.user!.role, name: req.user!.name });
  const id = (req: Request) => input<{ id: string }>(req, 'params').id;

  const listThreads: RequestHandler = async (req, res) => {
    const q = input<ThreadQuery>(req, 'query');
    const { rows, total } = await service.list(me(req), q);
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const createThread: RequestHandler = async (req, res) => {
    sendData(res, await service.create(me(req), input<NewThread>(req, 'body')), 201);
  };
  const getThread: RequestHandler = async (req, res) => {
    sendData(res, await service.get(me(req), id(req)));
  };
  const updateThread: RequestHandler = async (req, res) => {
    sendData(res, await service.update(me(req), id(req), input<ThreadChange>(req, 'body')));
  };
  const deleteThread: RequestHandler = async (req, res) => {
    await service.remove(me(req), id(req));
    res.status(204).end();
  };
  const listReplies: RequestHandler = async (req, res) => {
    const q = input<{ threadId: string; page: number; pageSize: number }>(req, 'query');
    const { rows, total } = await service.replies(me(req), q.threadId, q.page, q.pageSize);
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const createReply: RequestHandler = async (req, res) => {
    sendData(res, await service.reply(me(req), input<{ threadId: string; body: string; replyTo?: string | null }>(req, 'body')), 201);
  };
  const updateReply: RequestHandler = async (req, res) => {
    sendData(res, await service.editReply(me(req), id(req), input<{ body: string }>(req, 'body').body));
  };
  const deleteReply: RequestHandler = async (req, res) => {
    await service.removeReply(me(req), id(req));
    res.status(204).end();
  };
  return { listThreads, createThread, getThread, updateThread, deleteThread, listReplies, createReply, updateReply, deleteReply };
}
