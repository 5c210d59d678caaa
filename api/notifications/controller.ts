import type { RequestHandler } from 'express';
import { input } from '../http/validate';
import { sendData, sendList } from '../http/respond';
import type { NotificationService } from './service';
import type { ListQuery, SettingsBody } from './schemas';

export function notificationController(service: NotificationService) {
  const list: RequestHandler = async (req, res) => {
    const q = input<ListQuery>(req, 'query');
    const { rows, total } = await service.list(req.user!.id, q);
    sendList(res, rows, { page: q.page, pageSize: q.pageSize, total });
  };
  const markRead: RequestHandler = async (req, res) => {
    sendData(res, await service.markRead(req.user!.id, input<{ id: string }>(req, 'params').id));
  };
  const markAllRead: RequestHandler = async (req, res) => {
    sendData(res, await service.markAllRead(req.user!.id));
  };
  const settings: RequestHandler = async (req, res) => {
    sendData(res, await service.settings(req.user!.id));
  };
  const updateSettings: RequestHandler = async (req, res) => {
    sendData(res, await service.updateSettings(req.user!.id, input<SettingsBody>(req, 'body').mutedTypes));
  };
  return { list, markRead, markAllRead, settings, updateSettings };
}
