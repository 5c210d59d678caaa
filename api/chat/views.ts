import type { ChatConversation, ChatMessage } from '../../common/models';

export interface MessageView {
  id: string;
  conversationId: string;
  author: { id: string; name: string } | null;
  /** the Markdown as written; null once deleted */
  body: string | null;
  /** the Markdown rendered and sanitized; null once deleted */
  html: string | null;
  deleted: boolean;
  editedAt: string | null;
  createdAt: string;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  author_id: string | null;
  author_name: string | null;
  body: string;
  body_html: string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
  created_at: Date | string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function messageView(m: MessageRow): MessageView {
  const deleted = m.deleted_at !== null;
  return {
    id: m.id,
    conversationId: m.conversation_id,
    author: m.author_id ? { id: m.author_id, name: m.author_name ?? '' } : null,
    body: deleted ? null : m.body,
    html: deleted ? null : m.body_html,
    deleted,
    editedAt: iso(m.edited_at),
    createdAt: iso(m.created_at)!,
  };
}

export function messageRow(m: ChatMessage, authorName: string | null): MessageRow {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    author_id: m.authorId,
    author_name: authorName,
    body: m.body,
    body_html: m.bodyHtml,
    edited_at: m.editedAt,
    deleted_at: m.deletedAt,
    created_at: m.createdAt,
  };
}

export interface ConversationView {
  id: string;
  kind: ChatConversation['kind'];
  classroomId: string | null;
  subject: string | null;
  status: ChatConversation['status'];
  priority: ChatConversation['priority'];
  assigneeId: string | null;
  createdBy: string | null;
  lastMessageAt: string | null;
  createdAt: string;
}

export function conversationView(c: ChatConversation): ConversationView {
  return {
    id: c.id,
    kind: c.kind,
    classroomId: c.classroomId,
    subject: c.subject,
    status: c.status,
    priority: c.priority,
    assigneeId: c.assigneeId,
    createdBy: c.createdBy,
    lastMessageAt: iso(c.lastMessageAt),
    createdAt: c.createdAt.toISOString(),
  };
}

/** A conversation as a raw SQL row (snake_case) reads. */
export interface ConversationRow {
  id: string;
  kind: ChatConversation['kind'];
  classroom_id: string | null;
  subject: string | null;
  status: ChatConversation['status'];
  priority: ChatConversation['priority'];
  assignee_id: string | null;
  created_by: string | null;
  last_message_at: Date | string | null;
  created_at: Date | string;
}

export function conversationRowView(r: ConversationRow): ConversationView {
  return {
    id: r.id,
    kind: r.kind,
    classroomId: r.classroom_id,
    subject: r.subject,
    status: r.status,
    priority: r.priority,
    assigneeId: r.assignee_id,
    createdBy: r.created_by,
    lastMessageAt: iso(r.last_message_at),
    createdAt: iso(r.created_at)!,
  };
}
