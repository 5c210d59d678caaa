import { QueryTypes, type Transaction } from 'sequelize';
import { Notification, type NotificationType } from '../models';
import { rooms } from '../realtime/events';
import type { BatchedEvent, RealtimePublisher } from '../realtime/publisher';
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

export interface InsertedNotification {
  id: string;
  user_id: string;
  created_at: Date;
  /** the user muted this type (read in the same statement: one round trip less per notification) */
  muted: boolean;
}

/**
 * The INSERT of a notification for each user `users` yields (a FROM item with one column `u`), skipping
 * users who already have one with the same dedupe key, returning what `pushNotifications` needs. Also
 * the tail of a caller's own statement (a CTE after the write it announces: worker/grading), so a grade
 * and its notification are one round trip. Its replacements: `notificationReplacements`.
 */
export function notificationInsertSql(users: string): string {
  return `INSERT INTO notifications (user_id, type, title, body, link, data, dedupe_key)
     SELECT u, :notificationType, :notificationTitle, :notificationBody, :notificationLink, CAST(:notificationData AS jsonb), :notificationDedupeKey
       FROM ${users}
     ON CONFLICT (user_id, dedupe_key) DO NOTHING
     RETURNING id, user_id, created_at,
               EXISTS (SELECT 1 FROM notification_preferences p
                        WHERE p.user_id = notifications.user_id AND notifications.type = ANY(p.muted_types)) AS muted`;
}

export function notificationReplacements(input: NotificationInput): Record<string, unknown> {
  return {
    notificationType: input.type,
    notificationTitle: input.title.slice(0, 200),
    notificationBody: input.body ?? '',
    notificationLink: input.link ?? null,
    notificationData: JSON.stringify(input.data ?? {}),
    notificationDedupeKey: input.dedupeKey ?? null,
  };
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
  const rows = await sequelize.query<InsertedNotification>(notificationInsertSql('unnest(CAST(ARRAY[:userIds] AS uuid[])) AS u'), {
    replacements: { userIds: unique, ...notificationReplacements(input) },
    type: QueryTypes.SELECT,
    transaction,
  });
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

/**
 * What announces new notifications: a `notification:new` event to each user who has not muted the type
 * (for a caller's own Redis pipeline, e.g. after a grade's events), and each one's SSE payload.
 */
export function notificationMessages(
  rows: readonly InsertedNotification[],
  input: NotificationInput,
): { events: BatchedEvent[]; payloads: Map<string, NotificationView> } {
  const events: BatchedEvent[] = [];
  const payloads = new Map<string, NotificationView>();
  for (const r of rows) {
    if (r.muted) continue;
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
    events.push({
      rooms: rooms.user(r.user_id),
      event: 'notification:new',
      payload: { id: view.id, type: view.type, title: view.title, body: view.body, link: view.link, createdAt: view.createdAt },
    });
  }
  return { events, payloads };
}

/** Appends the payloads to their users' SSE logs (`notificationMessages`). */
export function appendNotificationStreams(realtime: RealtimePublisher, payloads: Map<string, NotificationView>): Promise<void> {
  if (payloads.size === 0) return Promise.resolve();
  return realtime.streams.append('notifications', [...payloads.keys()], 'notification', {}, payloads);
}

/**
 * A push that fails is logged by the caller's process and lost: the notification is stored and listed.
 * The Socket.IO events of every user go out in one Redis write, fire and forget as a publish is.
 */
async function pushNotifications(realtime: RealtimePublisher, rows: InsertedNotification[], input: NotificationInput): Promise<void> {
  const { events, payloads } = notificationMessages(rows, input);
  if (payloads.size === 0) return;
  void realtime.publishBatch(events).catch(() => undefined);
  await appendNotificationStreams(realtime, payloads);
}
