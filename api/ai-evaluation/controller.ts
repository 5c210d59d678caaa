import type { Request, Response } from 'express';
import type { ApiDeps } from '../deps';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { Pagination } from '../../common/paging';
import { AiEvaluationService } from './service';

const id = (req: Request) => input<{ id: string }>(req, 'params').id;

export function createAiEvaluationController(deps: ApiDeps) {
  const evaluations = new AiEvaluationService(deps);
  return {
    async evaluate(req: Request, res: Response) {
      const { evaluation } = await evaluations.request(req.user!, id(req));
      res.setHeader('Location', `/api/v2/ai-evaluations/${evaluation.id}`);
      sendData(res, evaluation, 202);
    },
    async listForSubmission(req: Request, res: Response) {
      const page = input<Pagination>(req, 'query');
      const { data, total } = await evaluations.listForSubmission(req.user!, id(req), page);
      sendList(res, data, { page: page.page, pageSize: page.pageSize, total });
    },
    async get(req: Request, res: Response) {
      sendData(res, await evaluations.get(req.user!, id(req)));
    },
  };
}
