import type { Request, RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { AdminAssignmentQuery, AdminAssignmentService, AssignmentInput } from './assignments-service';
import type { GradeInput, GradingService } from './grading-service';

const actor = (req: Request) => ({ id: req.user!.id, role: req.user!.role });
const idOf = (req: Request) => input<{ id: string }>(req, 'params').id;

export function adminLearningController(assignments: AdminAssignmentService, grading: GradingService) {
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
  const grade: RequestHandler = async (req, res) => {
    sendData(res, await grading.grade(actor(req), idOf(req), input<GradeInput>(req, 'body')));
  };
  return { list, create, update, remove, grade };
}
