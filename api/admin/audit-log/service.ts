import { Op, type WhereOptions } from 'sequelize';
import { AuditEntry, User, type AuditType } from '../../../common/models';
import type { AuditLogQuery } from './schemas';

export interface AuditEntryView {
  id: string;
  type: AuditType;
  user: { id: string; name: string; email: string | null; role: string } | null;
  ip: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

/** The audit log as admins read it, newest first (README.md#admin-school-events-and-audit-log). */
export async function listAuditLog(
  query: AuditLogQuery,
  window: { limit: number; offset: number },
): Promise<{ rows: AuditEntryView[]; total: number }> {
  const and: WhereOptions<AuditEntry>[] = [];
  if (query.userId) and.push({ userId: query.userId });
  if (query.type) and.push({ type: Array.isArray(query.type) ? { [Op.in]: query.type } : query.type });
  if (query.from) and.push({ createdAt: { [Op.gte]: query.from } });
  if (query.to) and.push({ createdAt: { [Op.lt]: query.to } });
  const { rows, count } = await AuditEntry.findAndCountAll({
    where: { [Op.and]: and },
    order: [
      ['createdAt', 'DESC'],
      ['id', 'ASC'],
    ],
    ...window,
  });
  const ids = [...new Set(rows.map((r) => r.userId).filter((id): id is string => id !== null))];
  const users = new Map(
    (await User.findAll({ where: { id: { [Op.in]: ids } }, attributes: ['id', 'name', 'email', 'role'], paranoid: false })).map((u) => [u.id, u]),
  );
  return {
    total: count,
    rows: rows.map((r) => {
      const u = r.userId ? users.get(r.userId) : undefined;
      return {
        id: r.id,
        type: r.type,
        user: u ? { id: u.id, name: u.name, email: u.email, role: u.role } : null,
        ip: r.ip,
        details: r.details,
        createdAt: r.createdAt,
      };
    }),
  };
}
