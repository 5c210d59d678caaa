import type { RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendData } from '../../http/respond';
import type { GradeInput, GradingService } from './service';

export function gradingController(grading: GradingService) {
  const grade: RequestHandler = async (req, res) => {
    const actor = { id: req.user!.id, role: req.user!.role };
    sendData(res, await grading.grade(actor, input<{ id: string }>(req, 'params').id, input<GradeInput>(req, 'body')));
  };
  return { grade };
}
