import type { RequestHandler } from 'express';
import { sendData } from '../http/respond';
import type { SeedService } from './service';

export function seedController(service: SeedService) {
  const reset: RequestHandler = async (_req, res) => {
    sendData(res, await service.reset());
  };
  const demoActivity: RequestHandler = async (_req, res) => {
    sendData(res, await service.demoActivity(), 201);
  };
  return { reset, demoActivity };
}
