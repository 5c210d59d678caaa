import { QueryTypes, type Sequelize } from 'sequelize';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../../common/errors';
import { DiscussionReply, DiscussionThread } from '../../common/models';
import { renderMarkdown } from '../../common/text/markdown';
import type { RealtimePublisher } from '../../common/realtime/publisher';
import { notifyUsers } from '../../common/notifications/create';
import type { Actor } from '../access/classrooms';
import { mayModerate, mayPostIn, maySee, visibleClassroomIds } from './access';
import { mentionedHandles, usersByHandle } from './mentions';
import { replyView, threadView, type ReplyRow, type ReplyView, type ThreadRow, type ThreadView } from './views';

export interface ThreadQuery {
  page: number;
  pageSize: number;
  tag?: string;
  classroomId?: string;
  q?: string;
  unanswered?: boolean;
  sort: 'activity' | 'newest';
}

export interface NewThread {
  title: string;
  body: string;
  tags?: string[];
  classroomId?: string | null;
}

export interface ThreadChange {
  title?: string;
  body?: string;
  tags?: string[];
  pinned?: boolean;
  locked?: boolean;
  acceptedReplyId?: string | null;
}

type Named = Actor & { name: string };

const THREAD_COLUMNS = `t.id, t.classroom_id, t.author_id, u.name AS author_name, t.title, t.body, t.body_html, t.tags, t.pinned, t.locked,
  t.accepted_reply_id, t.reply_count, t.last_activity_at, t.edited_at, t.deleted_at, t.created_at`;
const REPLY_COLUMNS = `r.id, r.thread_id, r.reply_to, r.author_id, u.name AS author_name, r.body, r.body_html, r.edited_at, r.deleted_at, r.created_at`;

/** README.md#discussion-forum. A thread the actor may not see is a 404; one they see but may not change, 403. */
export class DiscussionService {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly realtime: RealtimePublisher,
  ) {}

  async list(actor: Actor, q: ThreadQuery): Promise<{ rows: ThreadView[]; total: number }> {
    const visible = await visibleClassroomIds(actor);
    const rows = await this.sequelize.query<ThreadRow & { total: string }>(
      `SELECT ${THREAD_COLUMNS}, count(*) OVER () AS total
         FROM discussion_threads t LEFT JOIN users u ON u.id = t.author_id
        WHERE (t.classroom_id IS NULL OR :all OR t.classroom_id = ANY(CAST(ARRAY[:visible] AS uuid[])))
          AND (t.deleted_at IS NULL OR t.reply_count > 0)
          AND (CAST(:classroomId AS uuid) IS NULL OR t.classroom_id = CAST(:classroomId AS uuid))
          AND (CAST(:tag AS text) IS NULL OR t.tags @> ARRAY[CAST(:tag AS varchar)])
          AND (CAST(:q AS text) IS NULL OR t.search @@ websearch_to_tsquery('simple', :q))
          AND (NOT :unanswered OR (t.reply_count = 0 AND t.accepted_reply_id IS NULL))
        ORDER BY t.pinned DESC, ${q.sort === 'newest' ? 't.created_at' : 't.last_activity_at'} DESC, t.id
        LIMIT :limit OFFSET :offset`,
      {
        replacements: {
          all: visible === null,
          visible: visible?.length ? visible : ['00000000-0000-0000-0000-000000000000'],
          classroomId: q.classroomId ?? null,
          tag: q.tag ?? null,
          q: q.q ?? null,
          unanswered: q.unanswered === true,
          limit: q.pageSize,
          offset: (q.page - 1) * q.pageSize,
        },
        type: QueryTypes.SELECT,
      },
    );
    return { rows: rows.map(threadView), total: rows[0] ? Number(rows[0].total) : 0 };
  }

  async get(actor: Actor, id: string): Promise<ThreadView> {
    await this.loadVisible(actor, id);
    return this.view(id);
  }

  private async view(id: string): Promise<ThreadView> {
    const [row] = await this.sequelize.query<ThreadRow>(
      `SELECT ${THREAD_COLUMNS} FROM discussion_threads t LEFT JOIN users u ON u.id = t.author_id WHERE t.id = :id`,
      { replacements: { id }, type: QueryTypes.SELECT },
    );
    if (!row) throw new NotFoundError('Thread');
    return threadView(row);
  }

  private async loadVisible(actor: Actor, id: string): Promise<DiscussionThread> {
    const t = await DiscussionThread.findByPk(id);
    if (!t || !(await maySee(actor, t))) throw new NotFoundError('Thread');
    return t;
  }

  async create(actor: Named, input: NewThread): Promise<ThreadView> {
    const classroomId = input.classroomId ?? null;
    if (!(await mayPostIn(actor, classroomId))) throw new NotFoundError('Classroom');
    const t = await DiscussionThread.create({
      authorId: actor.id,
      classroomId,
      title: input.title,
      body: input.body,
      bodyHtml: renderMarkdown(input.body),
      tags: normalizeTags(input.tags),
    });
    await this.notifyMentions(actor, t, input.body, `mention:${t.id}`, `/discussion/threads/${t.id}`, t.title);
    return this.view(t.id);
  }

  /**
   * The author changes title, body and tags; a moderator (teacher of the classroom, admin) pins and
   * locks; either accepts an answer (a reply of this thread that is not deleted).
   */
  async update(actor: Named, id: string, change: ThreadChange, now = new Date()): Promise<ThreadView> {
    const t = await this.loadVisible(actor, id);
    if (t.deletedAt) throw new ConflictError('This thread was deleted', 'THREAD_DELETED');
    const isAuthor = t.authorId === actor.id;
    const moderator = await mayModerate(actor, t);
    const authorFields = (['title', 'body', 'tags'] as const).filter((f) => change[f] !== undefined);
    const moderatorFields = (['pinned', 'locked'] as const).filter((f) => change[f] !== undefined);
    if (
      (authorFields.length && !isAuthor) ||
      (moderatorFields.length && !moderator) ||
      (change.acceptedReplyId !== undefined && !isAuthor && !moderator)
    ) {
      throw new ForbiddenError('Only the author edits a thread; only its moderators pin and lock it');
    }
    if (change.acceptedReplyId) {
      const r = await DiscussionReply.findOne({ where: { id: change.acceptedReplyId, threadId: t.id } });
      if (!r || r.deletedAt)
        throw new UnprocessableError('NOT_A_REPLY', 'The accepted answer must be a reply of this thread', { field: 'acceptedReplyId' });
    }
    const patch: Partial<DiscussionThread> = {};
    if (change.title !== undefined) patch.title = change.title;
    if (change.body !== undefined) {
      patch.body = change.body;
      patch.bodyHtml = renderMarkdown(change.body);
    }
    if (change.tags !== undefined) patch.tags = normalizeTags(change.tags);
    if (authorFields.length) patch.editedAt = now;
    if (change.pinned !== undefined) patch.pinned = change.pinned;
    if (change.locked !== undefined) patch.locked = change.locked;
    if (change.acceptedReplyId !== undefined) patch.acceptedReplyId = change.acceptedReplyId;
    await t.update(patch);
    return this.view(t.id);
  }

  /** The author or a moderator; the thread keeps its place as deleted and its replies stay readable. */
  async remove(actor: Actor, id: string, now = new Date()): Promise<void> {
    const t = await this.loadVisible(actor, id);
    if (t.authorId !== actor.id && !(await mayModerate(actor, t))) throw new ForbiddenError('Only the author or a moderator deletes a thread');
    if (t.deletedAt) return;
    await t.update({ deletedAt: now, body: '', bodyHtml: '', pinned: false });
  }

  async replies(actor: Actor, threadId: string, page: number, pageSize: number): Promise<{ rows: ReplyView[]; total: number }> {
    await this.loadVisible(actor, threadId);
    const rows = await this.sequelize.query<ReplyRow & { total: string }>(
      `SELECT ${REPLY_COLUMNS}, count(*) OVER () AS total
         FROM discussion_replies r LEFT JOIN users u ON u.id = r.author_id
        WHERE r.thread_id = :threadId
        ORDER BY r.created_at, r.id LIMIT :limit OFFSET :offset`,
      { replacements: { threadId, limit: pageSize, offset: (page - 1) * pageSize }, type: QueryTypes.SELECT },
    );
    return { rows: rows.map(replyView), total: rows[0] ? Number(rows[0].total) : 0 };
  }

  async reply(actor: Named, input: { threadId: string; body: string; replyTo?: string | null }, now = new Date()): Promise<ReplyView> {
    const t = await this.loadVisible(actor, input.threadId);
    if (t.deletedAt) throw new ConflictError('This thread was deleted', 'THREAD_DELETED');
    if (t.locked) throw new ConflictError('This thread is locked', 'THREAD_LOCKED');
    let replyTo: DiscussionReply | null = null;
    if (input.replyTo) {
      replyTo = await DiscussionReply.findOne({ where: { id: input.replyTo, threadId: t.id } });
      if (!replyTo) throw new UnprocessableError('NOT_A_REPLY', 'replyTo must be a reply of this thread', { field: 'replyTo' });
    }
    const r = await this.sequelize.transaction(async (transaction) => {
      const made = await DiscussionReply.create(
        // one level of nesting: an answer to a nested reply joins its parent's branch
        {
          threadId: t.id,
          authorId: actor.id,
          replyTo: replyTo ? (replyTo.replyTo ?? replyTo.id) : null,
          body: input.body,
          bodyHtml: renderMarkdown(input.body),
          createdAt: now,
        },
        { transaction },
      );
      await this.sequelize.query(
        `UPDATE discussion_threads SET reply_count = reply_count + 1, last_activity_at = :now, updated_at = now() WHERE id = :id`,
        { replacements: { id: t.id, now }, transaction },
      );
      return made;
    });
    const link = `/discussion/threads/${t.id}#reply-${r.id}`;
    const replied = new Set([t.authorId, replyTo?.authorId].filter((id): id is string => !!id && id !== actor.id));
    if (replied.size) {
      await notifyUsers(this.realtime, [...replied], {
        type: 'discussion.reply',
        title: `${actor.name} replied in "${t.title}"`,
        body: input.body.slice(0, 140),
        link,
        data: { threadId: t.id, replyId: r.id },
        dedupeKey: `reply:${r.id}`,
      });
    }
    await this.notifyMentions(actor, t, input.body, `mention:${r.id}`, link, t.title);
    return this.replyView(r.id);
  }

  private async replyView(id: string): Promise<ReplyView> {
    const [row] = await this.sequelize.query<ReplyRow>(
      `SELECT ${REPLY_COLUMNS} FROM discussion_replies r LEFT JOIN users u ON u.id = r.author_id WHERE r.id = :id`,
      { replacements: { id }, type: QueryTypes.SELECT },
    );
    return replyView(row!);
  }

  private async loadReply(actor: Actor, id: string): Promise<{ r: DiscussionReply; t: DiscussionThread }> {
    const r = await DiscussionReply.findByPk(id);
    const t = r ? await DiscussionThread.findByPk(r.threadId) : null;
    if (!r || !t || !(await maySee(actor, t))) throw new NotFoundError('Reply');
    return { r, t };
  }

  async editReply(actor: Actor, id: string, body: string, now = new Date()): Promise<ReplyView> {
    const { r, t } = await this.loadReply(actor, id);
    if (r.authorId !== actor.id) throw new ForbiddenError('Only the author edits a reply');
    if (r.deletedAt) throw new ConflictError('This reply was deleted', 'REPLY_DELETED');
    if (t.locked) throw new ConflictError('This thread is locked', 'THREAD_LOCKED');
    await r.update({ body, bodyHtml: renderMarkdown(body), editedAt: now });
    return this.replyView(r.id);
  }

  /** The author or a moderator; the reply keeps its place as deleted, and stops being the accepted answer. */
  async removeReply(actor: Actor, id: string, now = new Date()): Promise<void> {
    const { r, t } = await this.loadReply(actor, id);
    if (r.authorId !== actor.id && !(await mayModerate(actor, t))) throw new ForbiddenError('Only the author or a moderator deletes a reply');
    if (r.deletedAt) return;
    await this.sequelize.transaction(async (transaction) => {
      await r.update({ deletedAt: now, body: '', bodyHtml: '' }, { transaction });
      await this.sequelize.query(
        `UPDATE discussion_threads SET reply_count = GREATEST(reply_count - 1, 0),
            accepted_reply_id = CASE WHEN accepted_reply_id = :replyId THEN NULL ELSE accepted_reply_id END, updated_at = now()
          WHERE id = :id`,
        { replacements: { id: t.id, replyId: r.id }, transaction },
      );
    });
  }

  /** Everyone named with `@handle` who may see the thread, except the author: one notification each per body. */
  private async notifyMentions(actor: Actor, t: DiscussionThread, body: string, dedupeKey: string, link: string, title: string) {
    const named = await usersByHandle(this.sequelize, mentionedHandles(body));
    const reach: string[] = [];
    for (const u of named) if (u.id !== actor.id && (await maySee(u, t))) reach.push(u.id);
    if (reach.length === 0) return;
    await notifyUsers(this.realtime, reach, {
      type: 'discussion.mention',
      title: `You were mentioned in "${title}"`,
      body: body.slice(0, 140),
      link,
      data: { threadId: t.id },
      dedupeKey,
    });
  }
}

function normalizeTags(tags: string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean))];
}
