import { QueryTypes, type Transaction } from 'sequelize';
import { Notification, type NotificationType } from '../models';
import { rooms } from '../realtime/events';
import type { RealtimePublisher } from '../realtime/publisher';
import { invalidateStudents } from '../learning/student-cache-versions';

export interface NotificationInput {
  type: NotificationType;
  title: string;
  body?: string;
  /** a frontend path, e.g. `/assignments/<id>` */
  link?: string | null;
  data?: Record<string, unknown>;
  /**
   * Makes the trigger idempotent: a user gets at most one notification per key, so a retried job or
   * an event seen twice never notifies twice.
   */
  dedupeKey?: string | null;
}

export interface NotificationView {
  id: string;
  type: NotificationType;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}

export function notificationView(n: Notification): NotificationView {
  return {
    id: n.id,
    type: n.type,
    title: n.title,
    body: n.body,
    link: n.link,
    data: n.data,
    readAt: n.readAt ? n.readAt.toISOString() : null,
    createdAt: n.createdAt.toISOString(),
  };
}

/** Users one INSERT statement serves; a larger audience is a fan-out job (common/notifications/fanout.ts). */
export const NOTIFY_BATCH = 500;

interface Inserted {
  id: string;
  user_id: string;
  created_at: Date;
  /** the user muted this type (read in the same statement: one round trip less per notification) */
  muted: boolean;
}

/**
 * Stores one notification for each user (one statement; users who already have one with the same
 * `dedupeKey` are skipped) and pushes the new ones over SSE and Socket.IO to users who have not
 * muted the type. Inside a transaction the push waits for the commit, so nobody hears of a grade
 * that was rolled back. Returns the ids of the notifications made.
 */
export async function notifyUsers(
  realtime: RealtimePublisher,
  userIds: readonly string[],
  input: NotificationInput,
  transaction?: Transaction,
): Promise<Map<string, string>> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return new Map();
  if (unique.length > NOTIFY_BATCH) throw new Error(`notifyUsers takes at most ${NOTIFY_BATCH} users; fan out with a job`);
  const sequelize = Notification.sequelize!;
  const rows = await sequelize.query<Inserted>(
    `INSERT INTO notifications (user_id, type, title, body, link, data, dedupe_key)
     SELECT u, :type, :title, :body, :link, CAST(:data AS jsonb), :dedupeKey
       FROM unnest(CAST(ARRAY[:userIds] AS uuid[])) AS u
     ON CONFLICT (user_id, dedupe_key) DO NOTHING
     RETURNING id, user_id, created_at,
               EXISTS (SELECT 1 FROM notification_preferences p
                        WHERE p.user_id = notifications.user_id AND notifications.type = ANY(p.muted_types)) AS muted`,
    {
      replacements: {
        userIds: unique,
        type: input.type,
        title: input.title.slice(0, 200),
        body: input.body ?? '',
        link: input.link ?? null,
        data: JSON.stringify(input.data ?? {}),
        dedupeKey: input.dedupeKey ?? null,
      },
      type: QueryTypes.SELECT,
      transaction,
    },
  );
  const made = new Map(rows.map((r) => [r.user_id, r.id]));
  // the dashboard shows the unread count
  await invalidateStudents([...made.keys()], transaction);
  const push = () => pushNotifications(realtime, rows, input);
  // after a commit a failed push is lost, not the notification: it is stored and listed
  if (transaction) transaction.afterCommit(() => void push().catch(() => undefined));
  else await push();
  return made;
}

/** Users among `userIds` who muted `type`. */
export async function mutedAmong(userIds: readonly string[], type: NotificationType): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await Notification.sequelize!.query<{ user_id: string }>(
    `SELECT user_id FROM notification_preferences
      WHERE user_id = ANY(CAST(ARRAY[:userIds] AS uuid[])) AND :type = ANY(muted_types)`,
    { replacements: { userIds: [...userIds], type }, type: QueryTypes.SELECT },
  );
  return new Set(rows.map((r) => r.user_id));
}

/** A push that fails is logged by the caller's process and lost: the notification is stored and listed. */
async function pushNotifications(realtime: RealtimePublisher, rows: Inserted[], input: NotificationInput): Promise<void> {
  const audible = rows.filter((r) => !r.muted);
  if (audible.length === 0) return;
  const payloads = new Map<string, NotificationView>();
  for (const r of audible) {
    const view: NotificationView = {
      id: r.id,
      type: input.type,
      title: input.title.slice(0, 200),
      body: input.body ?? '',
      link: input.link ?? null,
      data: input.data ?? {},
      readAt: null,
      createdAt: new Date(r.created_at).toISOString(),
    };
    payloads.set(r.user_id, view);
    realtime.publish(rooms.user(r.user_id), 'notification:new', {
      id: view.id,
      type: view.type,
      title: view.title,
      body: view.body,
      link: view.link,
      createdAt: view.createdAt,
    });
  }
  await realtime.streams.append('notifications', [...payloads.keys()], 'notification', {}, payloads);
}
