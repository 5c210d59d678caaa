import type { RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendData } from '../../http/respond';
import type { AdminClassroomService } from './service';
import type { CreateClassroomInput, UpdateClassroomInput } from './schemas';

export function adminClassroomController(service: AdminClassroomService) {
  const id = (req: Parameters<RequestHandler>[0]) => input<{ id: string }>(req, 'params').id;
  const create: RequestHandler = async (req, res) => sendData(res, await service.create(req.user!, input<CreateClassroomInput>(req, 'body')), 201);
  const update: RequestHandler = async (req, res) =>
    sendData(res, await service.update(req.user!, id(req), input<UpdateClassroomInput>(req, 'body')));
  const setTeachers: RequestHandler = async (req, res) =>
    sendData(res, await service.setTeachers(req.user!, id(req), input<{ teacherIds: string[] }>(req, 'body').teacherIds));
  const moveStudents: RequestHandler = async (req, res) =>
    sendData(res, await service.moveStudents(req.user!, id(req), input<{ studentIds: string[] }>(req, 'body').studentIds));
  return { create, update, setTeachers, moveStudents };
}
