import { Op } from 'sequelize';
import { NotFoundError } from '../../common/errors';
import { NOTIFICATION_TYPES, Notification, NotificationPreference, type NotificationType } from '../../common/models';
import { notificationView, type NotificationView } from '../../common/notifications/create';

export interface NotificationPage {
  page: number;
  pageSize: number;
  unread?: boolean;
}

/** A user's own notifications: nobody reads or marks another's (404). */
export class NotificationService {
  async list(userId: string, q: NotificationPage): Promise<{ rows: NotificationView[]; total: number }> {
    const where = { userId, ...(q.unread ? { readAt: { [Op.is]: null } } : {}) };
    const { rows, count } = await Notification.findAndCountAll({
      where,
      order: [
        ['createdAt', 'DESC'],
        ['id', 'DESC'],
      ],
      limit: q.pageSize,
      offset: (q.page - 1) * q.pageSize,
    });
    return { rows: rows.map(notificationView), total: count };
  }

  async markRead(userId: string, id: string, now = new Date()): Promise<NotificationView> {
    const n = await Notification.findOne({ where: { id, userId } });
    if (!n) throw new NotFoundError('Notification');
    if (!n.readAt) await n.update({ readAt: now });
    return notificationView(n);
  }

  async markAllRead(userId: string, now = new Date()): Promise<{ updated: number }> {
    const [updated] = await Notification.update({ readAt: now }, { where: { userId, readAt: { [Op.is]: null } } });
    return { updated };
  }

  async settings(userId: string): Promise<{ mutedTypes: NotificationType[]; types: readonly NotificationType[] }> {
    const p = await NotificationPreference.findByPk(userId);
    return { mutedTypes: p?.mutedTypes ?? [], types: NOTIFICATION_TYPES };
  }

  async updateSettings(userId: string, mutedTypes: NotificationType[]) {
    await NotificationPreference.upsert({ userId, mutedTypes });
    return this.settings(userId);
  }
}
