import type { RequestHandler } from 'express';
import { sendData } from '../../http/respond';
import type { DashboardService } from './service';
import type { ProgressService } from './progress-service';

export function dashboardController(dashboard: DashboardService, progress: ProgressService) {
  const getDashboard: RequestHandler = async (req, res) => {
    sendData(res, await dashboard.forStudent(req.user!.id));
  };
  const getProgress: RequestHandler = async (req, res) => {
    sendData(res, await progress.forStudent(req.user!.id));
  };
  return { getDashboard, getProgress };
}
