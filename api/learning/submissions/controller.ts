import type { Request, RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { StudentAssignmentQuery, StudentAssignmentService } from './assignment-service';
import type { NewSubmission, SubmissionChange, SubmissionListQuery, SubmissionService } from './submission-service';

const actor = (req: Request) => ({ id: req.user!.id, role: req.user!.role });
const uploads = (req: Request) => (Array.isArray(req.files) ? req.files : []);

export function tutorialController(assignments: StudentAssignmentService, submissions: SubmissionService) {
  const listAssignments: RequestHandler = async (req, res) => {
    const { data, meta } = await assignments.list(req.user!.id, input<StudentAssignmentQuery>(req, 'query'));
    sendList(res, data, meta);
  };
  const getAssignment: RequestHandler = async (req, res) => {
    const { id } = input<{ id: string }>(req, 'params');
    sendData(res, req.user!.role === 'student' ? await assignments.get(req.user!.id, id) : await assignments.getForStaff(actor(req), id));
  };
  const listSubmissions: RequestHandler = async (req, res) => {
    const { data, meta } = await submissions.list(actor(req), input<SubmissionListQuery>(req, 'query'));
    sendList(res, data, meta);
  };
  const createSubmission: RequestHandler = async (req, res) => {
    sendData(res, await submissions.create(actor(req), input<NewSubmission>(req, 'body'), uploads(req)), 201);
  };
  const getSubmission: RequestHandler = async (req, res) => {
    sendData(res, await submissions.get(actor(req), input<{ id: string }>(req, 'params').id));
  };
  const updateSubmission: RequestHandler = async (req, res) => {
    const { id } = input<{ id: string }>(req, 'params');
    sendData(res, await submissions.update(actor(req), id, input<SubmissionChange>(req, 'body'), uploads(req)));
  };
  return { listAssignments, getAssignment, listSubmissions, createSubmission, getSubmission, updateSubmission };
}
