export interface ThreadView {
  id: string;
  classroomId: string | null;
  author: { id: string; name: string } | null;
  /** null once deleted (the thread keeps its place, its replies stay readable) */
  title: string | null;
  body: string | null;
  html: string | null;
  tags: string[];
  pinned: boolean;
  locked: boolean;
  acceptedReplyId: string | null;
  replyCount: number;
  lastActivityAt: string;
  deleted: boolean;
  editedAt: string | null;
  createdAt: string;
}

export interface ReplyView {
  id: string;
  threadId: string;
  replyTo: string | null;
  author: { id: string; name: string } | null;
  body: string | null;
  html: string | null;
  deleted: boolean;
  editedAt: string | null;
  createdAt: string;
}

export interface ThreadRow {
  id: string;
  classroom_id: string | null;
  author_id: string | null;
  author_name: string | null;
  title: string;
  body: string;
  body_html: string;
  tags: string[];
  pinned: boolean;
  locked: boolean;
  accepted_reply_id: string | null;
  reply_count: number;
  last_activity_at: Date | string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
  created_at: Date | string;
}

export interface ReplyRow {
  id: string;
  thread_id: string;
  reply_to: string | null;
  author_id: string | null;
  author_name: string | null;
  body: string;
  body_html: string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
  created_at: Date | string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function threadView(r: ThreadRow): ThreadView {
  const deleted = r.deleted_at !== null;
  return {
    id: r.id,
    classroomId: r.classroom_id,
    author: r.author_id ? { id: r.author_id, name: r.author_name ?? '' } : null,
    title: deleted ? null : r.title,
    body: deleted ? null : r.body,
    html: deleted ? null : r.body_html,
    tags: r.tags,
    pinned: r.pinned,
    locked: r.locked,
    acceptedReplyId: r.accepted_reply_id,
    replyCount: Number(r.reply_count),
    lastActivityAt: iso(r.last_activity_at)!,
    deleted,
    editedAt: iso(r.edited_at),
    createdAt: iso(r.created_at)!,
  };
}

export function replyView(r: ReplyRow): ReplyView {
  const deleted = r.deleted_at !== null;
  return {
    id: r.id,
    threadId: r.thread_id,
    replyTo: r.reply_to,
    author: r.author_id ? { id: r.author_id, name: r.author_name ?? '' } : null,
    body: deleted ? null : r.body,
    html: deleted ? null : r.body_html,
    deleted,
    editedAt: iso(r.edited_at),
    createdAt: iso(r.created_at)!,
  };
}
