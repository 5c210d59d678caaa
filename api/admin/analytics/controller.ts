import type { RequestHandler } from 'express';
import { input } from '../../http/validate';
import { sendData } from '../../http/respond';
import type { AnalyticsService } from './service';
import type { AnalyticsQuery } from './schemas';

export function analyticsController(service: AnalyticsService) {
  const classroom: RequestHandler = async (req, res) => {
    const { analytics, cached } = await service.classroom(req.user!, input<AnalyticsQuery>(req, 'query'));
    res.setHeader('X-Cache', cached ? 'hit' : 'miss');
    sendData(res, analytics);
  };
  return { classroom };
}
