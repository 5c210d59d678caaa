import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Redis } from 'ioredis';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../../common/errors';
import { ChatConversation, ChatMember, ChatMessage, User, type SupportPriority, type SupportStatus } from '../../common/models';
import { renderMarkdown } from '../../common/text/markdown';
import { rooms } from '../../common/realtime/events';
import type { RealtimePublisher } from '../../common/realtime/publisher';
import { onlineAmong } from '../../common/realtime/presence';
import { NOTIFY_BATCH, notifyUsers } from '../../common/notifications/create';
import { taughtClassroomIds, classroomOf, type Actor } from '../access/classrooms';
import { mayRead, mayStartDirect, mayUseClassroomChannel, participantIds } from './access';
import {
  conversationRowView,
  conversationView,
  messageRow,
  messageView,
  type ConversationRow,
  type ConversationView,
  type MessageRow,
  type MessageView,
} from './views';

export type NewConversation =
  { kind: 'direct'; userId: string } | { kind: 'support'; subject: string; priority?: SupportPriority } | { kind: 'classroom'; classroomId: string };

export interface SupportChange {
  status?: SupportStatus;
  priority?: SupportPriority;
  assigneeId?: string | null;
}

export interface ConversationListItem extends ConversationView {
  unreadCount: number;
  lastMessage: MessageView | null;
}

export interface ChatDeps {
  sequelize: Sequelize;
  realtime: RealtimePublisher;
  redis: Redis;
  prefix: string;
}

const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.author_id, u.name AS author_name, m.body, m.body_html, m.edited_at, m.deleted_at, m.created_at`;

/** The conversations an actor takes part in (or oversees, for an admin's support desk and channels). */
const MINE = `WITH mine AS (
  SELECT c.* FROM chat_conversations c
   WHERE (c.kind = 'direct' AND EXISTS (SELECT 1 FROM chat_members x WHERE x.conversation_id = c.id AND x.user_id = :me))
      OR (c.kind = 'support' AND (c.created_by = :me OR :isAdmin))
      OR (c.kind = 'classroom' AND (c.classroom_id = ANY(CAST(ARRAY[:classroomIds] AS uuid[])) OR :isAdmin)))`;

/** Conversations, messages and read markers (README.md#chat). Someone else's conversation is a 404. */
export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  async loadReadable(actor: Actor, id: string): Promise<ChatConversation> {
    const c = await ChatConversation.findByPk(id);
    if (!c || !(await mayRead(actor, c))) throw new NotFoundError('Conversation');
    return c;
  }

  async get(actor: Actor, id: string): Promise<ConversationView> {
    return conversationView(await this.loadReadable(actor, id));
  }

  async create(actor: Actor, input: NewConversation): Promise<{ conversation: ConversationView; created: boolean }> {
    if (input.kind === 'support') {
      if (actor.role === 'admin') throw new ForbiddenError('Admins answer support conversations; they do not open them');
      const c = await this.deps.sequelize.transaction(async (transaction) => {
        const made = await ChatConversation.create(
          {
            kind: 'support',
            subject: input.subject,
            status: 'open',
            priority: input.priority ?? 'normal',
            createdBy: actor.id,
            classroomId: null,
            directKey: null,
            assigneeId: null,
            lastMessageAt: null,
          },
          { transaction },
        );
        await ChatMember.create({ conversationId: made.id, userId: actor.id, lastReadAt: null }, { transaction });
        return made;
      });
      return { conversation: conversationView(c), created: true };
    }
    if (input.kind === 'classroom') {
      if (!(await mayUseClassroomChannel(actor, input.classroomId))) throw new NotFoundError('Classroom');
      const [c, created] = await this.classroomChannel(input.classroomId);
      return { conversation: conversationView(c), created };
    }
    const target = await User.findByPk(input.userId);
    if (!target || !(await mayStartDirect(actor, target))) throw new NotFoundError('User');
    const directKey = [actor.id, target.id].sort().join(':');
    const existing = await ChatConversation.findOne({ where: { kind: 'direct', directKey } });
    if (existing) return { conversation: conversationView(existing), created: false };
    const c = await this.deps.sequelize.transaction(async (transaction) => {
      const [rows] = (await this.deps.sequelize.query(
        `INSERT INTO chat_conversations (kind, direct_key, created_by) VALUES ('direct', :directKey, :me)
         ON CONFLICT (direct_key) WHERE kind = 'direct' DO NOTHING RETURNING id`,
        { replacements: { directKey, me: actor.id }, transaction },
      )) as [{ id: string }[], unknown];
      if (rows[0]) {
        await ChatMember.bulkCreate(
          [actor.id, target.id].map((userId) => ({ conversationId: rows[0]!.id, userId, lastReadAt: null })),
          { transaction },
        );
      }
      return ChatConversation.findOne({ where: { kind: 'direct', directKey }, transaction });
    });
    return { conversation: conversationView(c!), created: true };
  }

  private async classroomChannel(classroomId: string): Promise<[ChatConversation, boolean]> {
    const [rows] = (await this.deps.sequelize.query(
      `INSERT INTO chat_conversations (kind, classroom_id) VALUES ('classroom', :classroomId)
       ON CONFLICT (classroom_id) WHERE kind = 'classroom' DO NOTHING RETURNING id`,
      { replacements: { classroomId } },
    )) as [{ id: string }[], unknown];
    const c = await ChatConversation.findOne({ where: { kind: 'classroom', classroomId } });
    return [c!, rows.length > 0];
  }

  /** Conversations of the actor with their unread counts and last message, most recent first. */
  async list(actor: Actor, page: number, pageSize: number): Promise<{ rows: ConversationListItem[]; total: number }> {
    const classroomIds =
      actor.role === 'teacher'
        ? await taughtClassroomIds(actor.id)
        : actor.role === 'student'
          ? [await classroomOf(actor.id)].filter((x): x is string => !!x)
          : [];
    // the channel of each of the actor's classrooms exists once anyone looks
    for (const id of classroomIds) await this.classroomChannel(id);
    const replacements = {
      me: actor.id,
      isAdmin: actor.role === 'admin',
      classroomIds: classroomIds.length ? classroomIds : ['00000000-0000-0000-0000-000000000000'],
      limit: pageSize,
      offset: (page - 1) * pageSize,
    };
    const rows = await this.deps.sequelize.query<Record<string, unknown> & { total: string; unread: string; last_message: MessageRow | null }>(
      `${MINE}
       SELECT c.*, count(*) OVER () AS total,
         (SELECT count(*) FROM chat_messages x
           WHERE x.conversation_id = c.id AND x.deleted_at IS NULL AND x.author_id IS DISTINCT FROM :me
             AND x.created_at > COALESCE(mm.last_read_at, '-infinity')) AS unread,
         (SELECT row_to_json(l) FROM (
            SELECT ${MESSAGE_COLUMNS} FROM chat_messages m LEFT JOIN users u ON u.id = m.author_id
             WHERE m.conversation_id = c.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1) l) AS last_message
       FROM mine c LEFT JOIN chat_members mm ON mm.conversation_id = c.id AND mm.user_id = :me
       ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id
       LIMIT :limit OFFSET :offset`,
      { replacements, type: QueryTypes.SELECT },
    );
    // a page past the end has no row to carry the window count
    const total = rows[0]
      ? Number(rows[0].total)
      : Number(
          (await this.deps.sequelize.query<{ n: string }>(`${MINE} SELECT count(*) AS n FROM mine`, { replacements, type: QueryTypes.SELECT }))[0]
            ?.n ?? 0,
        );
    return {
      rows: rows.map((r) => ({
        ...conversationRowView(r as unknown as ConversationRow),
        unreadCount: Number(r.unread),
        lastMessage: r.last_message ? messageView(r.last_message) : null,
      })),
      total,
    };
  }

  /** Messages before the one named (newest first): a cursor, because messages arrive while you page. */
  async messages(
    actor: Actor,
    conversationId: string,
    before: string | undefined,
    limit: number,
  ): Promise<{ rows: MessageView[]; nextBefore: string | null }> {
    await this.loadReadable(actor, conversationId);
    let cursor: { created_at: Date; id: string } | undefined;
    if (before) {
      const m = await ChatMessage.findOne({ where: { id: before, conversationId }, attributes: ['id', 'createdAt'] });
      if (!m) throw new NotFoundError('Message');
      cursor = { created_at: m.createdAt, id: m.id };
    }
    const rows = await this.deps.sequelize.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM chat_messages m LEFT JOIN users u ON u.id = m.author_id
        WHERE m.conversation_id = :conversationId
          ${cursor ? 'AND (m.created_at, m.id) < (CAST(:at AS timestamptz), CAST(:id AS uuid))' : ''}
        ORDER BY m.created_at DESC, m.id DESC LIMIT :limit`,
      { replacements: { conversationId, at: cursor?.created_at ?? null, id: cursor?.id ?? null, limit: limit + 1 }, type: QueryTypes.SELECT },
    );
    const page = rows.slice(0, limit);
    return { rows: page.map(messageView), nextBefore: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  async post(actor: Actor & { name: string }, conversationId: string, body: string, now = new Date()): Promise<MessageView> {
    const c = await this.loadReadable(actor, conversationId);
    const message = await this.deps.sequelize.transaction(async (transaction) => {
      const m = await ChatMessage.create(
        { conversationId, authorId: actor.id, body, bodyHtml: renderMarkdown(body), editedAt: null, deletedAt: null, createdAt: now },
        { transaction },
      );
      const change: Partial<ChatConversation> = { lastMessageAt: now };
      // the support desk's ball: an admin's answer waits on the requester, the requester's on the admins
      if (c.kind === 'support') change.status = actor.role === 'admin' ? 'waiting' : 'open';
      await ChatConversation.update(change, { where: { id: conversationId }, transaction });
      await this.markRead(conversationId, actor.id, now, transaction);
      return m;
    });
    if (c.kind === 'support') c.status = actor.role === 'admin' ? 'waiting' : 'open';
    const view = messageView(messageRow(message, actor.name));
    const participants = await participantIds(c);
    await this.broadcast(c, participants, 'chat:message', view);
    await this.notifyOffline(
      c,
      participants.filter((id) => id !== actor.id),
      actor.name,
      view,
    );
    return view;
  }

  async edit(actor: Actor & { name: string }, messageId: string, body: string, now = new Date()): Promise<MessageView> {
    const m = await this.ownMessage(actor, messageId);
    if (m.deletedAt) throw new ConflictError('A deleted message cannot be edited', 'MESSAGE_DELETED');
    await m.update({ body, bodyHtml: renderMarkdown(body), editedAt: now });
    const view = messageView(messageRow(m, actor.name));
    const c = (await ChatConversation.findByPk(m.conversationId))!;
    await this.broadcast(c, await participantIds(c), 'chat:edited', view);
    return view;
  }

  async remove(actor: Actor & { name: string }, messageId: string, now = new Date()): Promise<void> {
    const m = await this.ownMessage(actor, messageId);
    if (m.deletedAt) return;
    // the message keeps its place in the conversation, without its words
    await m.update({ body: '', bodyHtml: '', deletedAt: now });
    const c = (await ChatConversation.findByPk(m.conversationId))!;
    await this.broadcast(c, await participantIds(c), 'chat:deleted', messageView(messageRow(m, actor.name)));
  }

  private async ownMessage(actor: Actor, messageId: string): Promise<ChatMessage> {
    const m = await ChatMessage.findByPk(messageId);
    if (!m || m.authorId !== actor.id) throw new NotFoundError('Message');
    const c = await ChatConversation.findByPk(m.conversationId);
    // an author who has left the conversation (a student moved to another classroom) no longer reaches it
    if (!c || !(await mayRead(actor, c))) throw new NotFoundError('Message');
    return m;
  }

  /** The actor has read everything in the conversation up to now; the others hear of it. */
  async read(actor: Actor, conversationId: string, now = new Date()): Promise<{ conversationId: string; lastReadAt: string }> {
    const c = await this.loadReadable(actor, conversationId);
    await this.markRead(conversationId, actor.id, now);
    const payload = { conversationId, userId: actor.id, readAt: now.toISOString() };
    await this.broadcast(c, await participantIds(c), 'chat:read', payload);
    return { conversationId, lastReadAt: payload.readAt };
  }

  private async markRead(conversationId: string, userId: string, at: Date, transaction?: Transaction) {
    await this.deps.sequelize.query(
      `INSERT INTO chat_members (conversation_id, user_id, last_read_at) VALUES (:conversationId, :userId, :at)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read_at = GREATEST(chat_members.last_read_at, EXCLUDED.last_read_at)`,
      { replacements: { conversationId, userId, at }, transaction },
    );
  }

  /**
   * Every participant's chat stream (SSE, resumable) and their sockets: a classroom channel through the
   * classroom's rooms, anything else through each participant's own room.
   */
  private async broadcast(
    c: ChatConversation,
    participants: string[],
    event: 'chat:message' | 'chat:edited' | 'chat:deleted' | 'chat:read',
    payload: unknown,
  ) {
    const socketRooms =
      c.kind === 'classroom' ? [rooms.classroom(c.classroomId!), rooms.classroomTeachers(c.classroomId!)] : participants.map(rooms.user);
    this.deps.realtime.publish(socketRooms, event, payload as never);
    await this.deps.realtime.streams.append('chat', participants, event, payload);
  }

  /**
   * A participant with no open stream and no socket gets a `chat.message` notification, one per
   * conversation until they read it (the dedupe key names their read marker).
   */
  private async notifyOffline(c: ChatConversation, recipients: string[], authorName: string, view: MessageView) {
    const online = await onlineAmong(this.deps.redis, this.deps.prefix, recipients);
    const offline = recipients.filter((id) => !online.has(id));
    if (offline.length === 0) return;
    const marks = await ChatMember.findAll({ where: { conversationId: c.id, userId: offline }, attributes: ['userId', 'lastReadAt'] });
    const readAt = new Map(marks.map((m) => [m.userId, m.lastReadAt?.getTime() ?? 0]));
    const byKey = new Map<string, string[]>();
    for (const id of offline) {
      const key = `chat:${c.id}:${readAt.get(id) ?? 0}`;
      byKey.set(key, [...(byKey.get(key) ?? []), id]);
    }
    const preview = (view.body ?? '').slice(0, 140);
    for (const [dedupeKey, users] of byKey) {
      for (let i = 0; i < users.length; i += NOTIFY_BATCH) {
        await notifyUsers(this.deps.realtime, users.slice(i, i + NOTIFY_BATCH), {
          type: 'chat.message',
          title: c.kind === 'classroom' ? `New messages in your classroom channel` : `New message from ${authorName}`,
          body: preview,
          link: `/chat/${c.id}`,
          data: { conversationId: c.id, messageId: view.id },
          dedupeKey,
        });
      }
    }
  }

  async supportList(actor: Actor, status: SupportStatus | undefined, page: number, pageSize: number) {
    if (actor.role !== 'admin') throw new ForbiddenError();
    const { rows, count } = await ChatConversation.findAndCountAll({
      where: { kind: 'support', ...(status ? { status } : {}) },
      order: [
        ['lastMessageAt', 'DESC NULLS LAST'],
        ['id', 'ASC'],
      ],
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return { rows: rows.map(conversationView), total: count };
  }

  async supportUpdate(actor: Actor, id: string, change: SupportChange): Promise<ConversationView> {
    if (actor.role !== 'admin') throw new ForbiddenError();
    const c = await ChatConversation.findByPk(id);
    if (!c || c.kind !== 'support') throw new NotFoundError('Conversation');
    if (change.assigneeId) {
      const assignee = await User.findByPk(change.assigneeId);
      if (!assignee || assignee.role !== 'admin' || assignee.status !== 'active') {
        throw new UnprocessableError('ASSIGNEE_NOT_ADMIN', 'A support conversation is assigned to an active admin', { field: 'assigneeId' });
      }
    }
    await c.update(change);
    return conversationView(c);
  }
}
