import type { Request, RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendData, sendList } from '../../http/respond';
import type { NewSubmission, SubmissionChange, SubmissionListQuery, SubmissionService } from './service';

const actor = (req: Request) => ({ id: req.user!.id, role: req.user!.role });
const uploads = (req: Request) => (Array.isArray(req.files) ? req.files : []);

export function submissionController(submissions: SubmissionService) {
  const list: RequestHandler = async (req, res) => {
    const { data, meta } = await submissions.list(actor(req), input<SubmissionListQuery>(req, 'query'));
    sendList(res, data, meta);
  };
  const create: RequestHandler = async (req, res) => {
    sendData(res, await submissions.create(actor(req), input<NewSubmission>(req, 'body'), uploads(req)), 201);
  };
  const get: RequestHandler = async (req, res) => {
    sendData(res, await submissions.get(actor(req), input<{ id: string }>(req, 'params').id));
  };
  const update: RequestHandler = async (req, res) => {
    const { id } = input<{ id: string }>(req, 'params');
    sendData(res, await submissions.update(actor(req), id, input<SubmissionChange>(req, 'body'), uploads(req)));
  };
  return { list, create, get, update };
}
