import type { RequestHandler } from 'express';
import type { Sequelize } from 'sequelize';
import type { Queues } from '../../../common/queues';
import { sendData } from '../../http/respond';
import { adminDashboard } from './service';

export function dashboardController(sequelize: Sequelize, queues: Queues) {
  const get: RequestHandler = async (_req, res) => sendData(res, await adminDashboard(sequelize, queues));
  return { get };
}
