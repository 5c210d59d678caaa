import type { RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendData, sendList } from '../../http/respond';
import { limitOffset } from '../../../common/paging';
import { likeContains } from '../../../common/sql/like';
import type { PeopleService, PersonKind } from './service';
import type { CreatePersonInput, PeopleListQuery, UpdatePersonInput } from './schemas';

/** One set of handlers per kind of person; students and teachers share the rules. */
export function peopleController(service: PeopleService, kind: PersonKind) {
  const id = (req: Parameters<RequestHandler>[0]) => input<{ id: string }>(req, 'params').id;

  const list: RequestHandler = async (req, res) => {
    const q = input<PeopleListQuery>(req, 'query');
    const window = { ...limitOffset(q), pattern: q.q ? likeContains(q.q) : undefined };
    const { rows, total } = await service.list(req.user!, kind, q, window);
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const get: RequestHandler = async (req, res) => sendData(res, await service.get(req.user!, kind, id(req)));
  const create: RequestHandler = async (req, res) => sendData(res, await service.create(req.user!, kind, input<CreatePersonInput>(req, 'body')), 201);
  const update: RequestHandler = async (req, res) =>
    sendData(res, await service.update(req.user!, kind, id(req), input<UpdatePersonInput>(req, 'body')));
  const remove: RequestHandler = async (req, res) => {
    await service.remove(req.user!, kind, id(req));
    res.status(204).end();
  };
  const restore: RequestHandler = async (req, res) => sendData(res, await service.restore(req.user!, kind, id(req)));
  const suspend: RequestHandler = async (req, res) => sendData(res, await service.setSuspended(req.user!, kind, id(req), true));
  const unsuspend: RequestHandler = async (req, res) => sendData(res, await service.setSuspended(req.user!, kind, id(req), false));
  const resetPassword: RequestHandler = async (req, res) => {
    const result = await service.resetPassword(req.user!, kind, id(req), input<{ password?: string }>(req, 'body').password);
    sendData(res, result, result.emailed ? 202 : 200);
  };
  const setClassrooms: RequestHandler = async (req, res) =>
    sendData(res, await service.setTeacherClassrooms(req.user!, id(req), input<{ classroomIds: string[] }>(req, 'body').classroomIds));

  return { list, get, create, update, remove, restore, suspend, unsuspend, resetPassword, setClassrooms };
}
