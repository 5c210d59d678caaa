import type { Request, RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendData, sendList } from '../../http/respond';
import type { AdminAssignmentQuery, AdminAssignmentService, AssignmentInput } from './staff-service';
import type { StudentAssignmentQuery, StudentAssignmentService } from './student-service';
import type { StudentPageCache } from '../student-cache';

const actor = (req: Request) => ({ id: req.user!.id, role: req.user!.role });
const idOf = (req: Request) => input<{ id: string }>(req, 'params').id;

/** `/api/v2/tutorial/assignments`: what a student has to do (staff may open one to see it as students do). */
export function studentAssignmentController(assignments: StudentAssignmentService, pages: StudentPageCache) {
  const list: RequestHandler = async (req, res) => {
    const studentId = req.user!.id;
    const q = input<StudentAssignmentQuery>(req, 'query');
    const page = `list:${q.page}:${q.pageSize}:${q.sort}:${q.status ?? ''}:${q.q ?? ''}`;
    await pages.send(res, studentId, page, async () => {
      const { data, meta, turnsAt } = await assignments.listPage(studentId, q);
      return { body: JSON.stringify({ data, meta }), turnsAt };
    });
  };
  const get: RequestHandler = async (req, res) => {
    const id = idOf(req);
    sendData(res, req.user!.role === 'student' ? await assignments.get(req.user!.id, id) : await assignments.getForStaff(actor(req), id));
  };
  return { list, get };
}

/** `/api/v2/admin/assignments`: teachers (their classrooms) and admins (all) set work. */
export function staffAssignmentController(assignments: AdminAssignmentService) {
  const list: RequestHandler = async (req, res) => {
    const { data, meta } = await assignments.list(actor(req), input<AdminAssignmentQuery>(req, 'query'));
    sendList(res, data, meta);
  };
  const create: RequestHandler = async (req, res) => {
    sendData(res, await assignments.create(actor(req), input<AssignmentInput>(req, 'body')), 201);
  };
  const update: RequestHandler = async (req, res) => {
    sendData(res, await assignments.update(actor(req), idOf(req), input<Partial<AssignmentInput>>(req, 'body')));
  };
  const remove: RequestHandler = async (req, res) => {
    const outcome = await assignments.remove(actor(req), idOf(req));
    if (outcome.archived) sendData(res, outcome.assignment);
    else res.status(204).end();
  };
  return { list, create, update, remove };
}
