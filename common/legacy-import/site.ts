import { skip, type EntitySpec, type ImportContext, type Planned } from './entity';
import { insertRows, updateRows, type Column } from './sql';
import { cleanText, fit, iso, num, str } from './text';
import { renderMarkdown as renderAnnouncement } from '../content/markdown';
import { renderMarkdown as renderPost } from '../text/markdown';
import type { LegacySource } from './source';

/**
 * The school site and the community (README.md#moving-from-the-old-gema): announcements, events,
 * contact messages with the admin's reply, discussion threads and replies. Rendered HTML is made the
 * way each feature makes it, so imported text is sanitised like text written in GEMA API.
 */

const selectAll = (table: string, columns: readonly string[]) => (s: LegacySource) =>
  `SELECT t.id, ${columns.map((c) => `${s.col(table, c)} AS "${c}"`).join(', ')} FROM ${table} t ORDER BY t.id`;

const CATEGORY: Record<string, string> = { KELAS: 'class', EVENT: 'event', TUGAS: 'assignment', NILAI: 'grade', SISTEM: 'system' };

interface AnnouncementValues {
  title: string;
  excerpt: string | null;
  content: string;
  content_html: string;
  category: string;
  important: boolean;
  active: boolean;
  show_on_homepage: boolean;
  deadline: string | null;
  link: string | null;
  view_count: number;
  publish_at: string;
  notified_at: string;
  created_at: string;
  updated_at: string;
}

const ANNOUNCEMENT_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['title', 'text'],
  ['excerpt', 'text'],
  ['content', 'text'],
  ['content_html', 'text'],
  ['category', 'text'],
  ['important', 'boolean'],
  ['active', 'boolean'],
  ['show_on_homepage', 'boolean'],
  ['deadline', 'timestamptz'],
  ['link', 'text'],
  ['view_count', 'integer'],
  ['publish_at', 'timestamptz'],
  // imported announcements were announced by the old app: no notification again
  ['notified_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

function writer<V>(table: string, columns: readonly Column[], keep: Record<string, string> = {}) {
  return async (batch: Planned<V>[], tx: Parameters<EntitySpec<V>['write']>[1], ctx: ImportContext) => {
    const rows = (p: Planned<V>) => ({ ...(p.values as object), id: p.newId });
    await insertRows(ctx.sequelize, tx, table, columns, batch.filter((p) => p.isNew).map(rows));
    await updateRows(ctx.sequelize, tx, table, columns, batch.filter((p) => !p.isNew).map(rows), keep);
  };
}

export const announcements: EntitySpec<AnnouncementValues> = {
  entity: 'announcements',
  table: 'announcements',
  required: ['id', 'title', 'content'],
  select: selectAll('announcements', [
    'title',
    'excerpt',
    'content',
    'category',
    'isImportant',
    'isActive',
    'showOnHomepage',
    'deadline',
    'link',
    'views',
    'publishDate',
    'createdAt',
    'updatedAt',
  ]),
  map(row, _ctx, warn) {
    const title = fit(cleanText(row.title, warn)?.trim() || null, 200, warn);
    if (!title) return skip('missing_title');
    const content = cleanText(row.content, warn) ?? '';
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      title,
      excerpt: fit(cleanText(row.excerpt, warn)?.trim() || null, 500, warn),
      content,
      content_html: renderAnnouncement(content),
      category: CATEGORY[str(row.category) ?? ''] ?? 'system',
      important: row.isImportant === true,
      active: row.isActive !== false,
      show_on_homepage: row.showOnHomepage === true,
      deadline: iso(row.deadline),
      link: fit(str(row.link)?.trim() || null, 500, warn),
      view_count: Math.max(0, Math.round(num(row.views) ?? 0)),
      publish_at: iso(row.publishDate) ?? created,
      notified_at: created,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writer('announcements', ANNOUNCEMENT_COLUMNS, { view_count: 'GREATEST(t.view_count, r.view_count)', notified_at: 't.notified_at' }),
  legacyKey: (row) => [str(row.title)?.trim() ?? null, iso(row.publishDate)],
  gemaKeys: `SELECT m.legacy_id, ARRAY[a.title, to_char(a.publish_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')]::text[] AS k
               FROM legacy_import_map m JOIN announcements a ON a.id = m.new_id WHERE m.entity = 'announcements'`,
};

interface EventValues {
  title: string;
  description: string;
  starts_at: string;
  location: string | null;
  capacity: number | null;
  registered_count: number;
  active: boolean;
  created_at: string;
  updated_at: string;
}

const EVENT_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['title', 'text'],
  ['description', 'text'],
  ['starts_at', 'timestamptz'],
  ['location', 'text'],
  ['capacity', 'integer'],
  ['registered_count', 'integer'],
  ['active', 'boolean'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

export const events: EntitySpec<EventValues> = {
  entity: 'events',
  table: 'events',
  required: ['id', 'title', 'date'],
  select: selectAll('events', ['title', 'description', 'date', 'location', 'capacity', 'registered', 'isActive', 'createdAt', 'updatedAt']),
  map(row, _ctx, warn) {
    const title = fit(cleanText(row.title, warn)?.trim() || null, 200, warn);
    if (!title) return skip('missing_title');
    const startsAt = iso(row.date);
    if (!startsAt) return skip('missing_date');
    const capacity = num(row.capacity);
    const cap = capacity !== null && capacity > 0 ? Math.round(capacity) : null;
    let registered = Math.max(0, Math.round(num(row.registered) ?? 0));
    if (cap !== null && registered > cap) {
      warn('registered_above_capacity');
      registered = cap;
    }
    const created = iso(row.createdAt) ?? startsAt;
    return {
      title,
      description: cleanText(row.description, warn) ?? '',
      starts_at: startsAt,
      location: fit(cleanText(row.location, warn)?.trim() || null, 200, warn),
      capacity: cap,
      registered_count: registered,
      active: row.isActive !== false,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writer('school_events', EVENT_COLUMNS),
  legacyKey: (row) => [str(row.title)?.trim() ?? null, iso(row.date)],
  gemaKeys: `SELECT m.legacy_id, ARRAY[e.title, to_char(e.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')]::text[] AS k
               FROM legacy_import_map m JOIN school_events e ON e.id = m.new_id WHERE m.entity = 'events'`,
};

interface ContactValues {
  name: string;
  email: string;
  phone: string | null;
  subject: string;
  message: string;
  status: 'unread' | 'read' | 'replied';
  reply: { message: string; created_at: string } | null;
  created_at: string;
  updated_at: string;
}

const CONTACT_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['name', 'text'],
  ['email', 'text'],
  ['phone', 'text'],
  ['subject', 'text'],
  ['message', 'text'],
  ['status', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

/** A contact message, and the admin's reply as the message's one reply (it keeps the message's id: another table). */
export const contacts: EntitySpec<ContactValues> = {
  entity: 'contacts',
  table: 'contacts',
  required: ['id', 'email', 'message'],
  select: selectAll('contacts', ['name', 'email', 'phone', 'subject', 'message', 'status', 'adminReply', 'repliedAt', 'createdAt', 'updatedAt']),
  map(row, _ctx, warn) {
    const email = str(row.email)?.trim().toLowerCase();
    if (!email) return skip('missing_email');
    const message = cleanText(row.message, warn)?.trim();
    if (!message) return skip('empty_message');
    const reply = cleanText(row.adminReply, warn)?.trim();
    const created = iso(row.createdAt) ?? new Date().toISOString();
    const status = str(row.status);
    return {
      name: fit(cleanText(row.name, warn)?.trim() || email, 100, warn)!,
      email: fit(email, 254, warn)!,
      phone: fit(cleanText(row.phone, warn)?.trim() || null, 30, warn),
      subject: fit(cleanText(row.subject, warn)?.trim() || '(no subject)', 200, warn)!,
      message,
      status: reply ? 'replied' : status === 'read' || status === 'replied' ? status : 'unread',
      reply: reply ? { message: reply, created_at: iso(row.repliedAt) ?? iso(row.updatedAt) ?? created } : null,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  async write(batch, tx, ctx) {
    await writer<ContactValues>('contact_messages', CONTACT_COLUMNS)(batch, tx, ctx);
    const replies = batch.filter((p) => p.values.reply).map((p) => ({ id: p.newId, contact_id: p.newId, ...p.values.reply! }));
    await insertRows(
      ctx.sequelize,
      tx,
      'contact_replies',
      [
        ['id', 'uuid'],
        ['contact_id', 'uuid'],
        ['message', 'text'],
        ['created_at', 'timestamptz'],
      ],
      replies,
      'ON CONFLICT (id) DO UPDATE SET message = EXCLUDED.message, created_at = EXCLUDED.created_at',
    );
  },
  legacyKey: (row) => [str(row.email)?.trim().toLowerCase() ?? null, iso(row.createdAt)],
  gemaKeys: `SELECT m.legacy_id, ARRAY[c.email, to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')]::text[] AS k
               FROM legacy_import_map m JOIN contact_messages c ON c.id = m.new_id WHERE m.entity = 'contacts'`,
};

/** A legacy author id is an admin's or a student's. */
async function author(ctx: ImportContext, legacyId: unknown, warn: (code: string) => void): Promise<string | null> {
  if (!legacyId) return null;
  const id = (await ctx.resolve('admins', legacyId)) ?? (await ctx.resolve('students', legacyId));
  if (!id) warn('author_missing');
  return id ?? null;
}

interface ThreadValues {
  author_id: string | null;
  title: string;
  body: string;
  body_html: string;
  last_activity_at: string;
  created_at: string;
  updated_at: string;
}

const THREAD_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['author_id', 'uuid'],
  ['title', 'text'],
  ['body', 'text'],
  ['body_html', 'text'],
  ['last_activity_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

export const discussionThreads: EntitySpec<ThreadValues> = {
  entity: 'discussion_threads',
  table: 'discussion_threads',
  required: ['id', 'title', 'content'],
  select: selectAll('discussion_threads', ['title', 'authorId', 'content', 'createdAt', 'updatedAt']),
  async map(row, ctx, warn) {
    const title = fit(cleanText(row.title, warn)?.trim() || null, 200, warn);
    if (!title) return skip('missing_title');
    const body = cleanText(row.content, warn) ?? '';
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      author_id: await author(ctx, row.authorId, warn),
      title,
      body,
      body_html: renderPost(body),
      last_activity_at: iso(row.updatedAt) ?? created,
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  write: writer('discussion_threads', THREAD_COLUMNS, { last_activity_at: 'GREATEST(t.last_activity_at, r.last_activity_at)' }),
  legacyKey: (row) => [str(row.title)?.trim() ?? null, iso(row.createdAt)],
  gemaKeys: `SELECT m.legacy_id, ARRAY[t.title, to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')]::text[] AS k
               FROM legacy_import_map m JOIN discussion_threads t ON t.id = m.new_id WHERE m.entity = 'discussion_threads'`,
};

interface ReplyValues {
  thread_id: string;
  author_id: string | null;
  body: string;
  body_html: string;
  created_at: string;
  updated_at: string;
}

const REPLY_COLUMNS: readonly Column[] = [
  ['id', 'uuid'],
  ['thread_id', 'uuid'],
  ['author_id', 'uuid'],
  ['body', 'text'],
  ['body_html', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
];

export const discussionReplies: EntitySpec<ReplyValues> = {
  entity: 'discussion_replies',
  table: 'discussion_replies',
  required: ['id', 'threadId', 'content'],
  select: selectAll('discussion_replies', ['threadId', 'authorId', 'content', 'createdAt', 'updatedAt']),
  async map(row, ctx, warn) {
    const threadId = await ctx.resolve('discussion_threads', row.threadId);
    if (!threadId) return skip('orphan_thread');
    const body = cleanText(row.content, warn) ?? '';
    const created = iso(row.createdAt) ?? new Date().toISOString();
    return {
      thread_id: threadId,
      author_id: await author(ctx, row.authorId, warn),
      body,
      body_html: renderPost(body),
      created_at: created,
      updated_at: iso(row.updatedAt) ?? created,
    };
  },
  async write(batch, tx, ctx) {
    await writer<ReplyValues>('discussion_replies', REPLY_COLUMNS)(batch, tx, ctx);
    // the counters the forum keeps on each thread
    await ctx.sequelize.query(
      `UPDATE discussion_threads t
          SET reply_count = (SELECT count(*) FROM discussion_replies r WHERE r.thread_id = t.id AND r.deleted_at IS NULL),
              last_activity_at = GREATEST(t.last_activity_at, (SELECT max(r.created_at) FROM discussion_replies r WHERE r.thread_id = t.id))
        WHERE t.id = ANY($1::uuid[])`,
      { bind: [[...new Set(batch.map((p) => p.values.thread_id))]], transaction: tx },
    );
  },
  legacyKey: (row) => [str(row.threadId), iso(row.createdAt)],
  gemaKeys: `SELECT m.legacy_id, ARRAY[tm.legacy_id, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')]::text[] AS k
               FROM legacy_import_map m
               JOIN discussion_replies r ON r.id = m.new_id
               LEFT JOIN legacy_import_map tm ON tm.entity = 'discussion_threads' AND tm.new_id = r.thread_id
              WHERE m.entity = 'discussion_replies'`,
};
