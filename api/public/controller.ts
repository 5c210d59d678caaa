import type { RequestHandler } from 'express';
import { sendData } from '../http/respond';
import type { PublicHomeService } from './service';

export function publicController(service: PublicHomeService) {
  const home: RequestHandler = async (_req, res) => {
    sendData(res, await service.home());
  };
  return { home };
}
