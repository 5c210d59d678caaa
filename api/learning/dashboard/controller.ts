import type { RequestHandler } from 'express';
import { sendData } from '../../http/respond';
import type { DashboardService } from './service';
import type { ProgressService } from './progress-service';
import type { StudentPageCache } from '../student-cache';

export function dashboardController(dashboard: DashboardService, progress: ProgressService, pages: StudentPageCache) {
  const getDashboard: RequestHandler = async (req, res) => {
    const studentId = req.user!.id;
    await pages.send(res, studentId, 'dashboard', async () => {
      const { dashboard: data, turnsAt } = await dashboard.read(studentId);
      return { body: JSON.stringify({ data }), turnsAt };
    });
  };
  const getProgress: RequestHandler = async (req, res) => {
    sendData(res, await progress.forStudent(req.user!.id));
  };
  return { getDashboard, getProgress };
}
