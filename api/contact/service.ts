import type { ApiDeps } from '../deps';
import type { Logger } from '../../common/logger';
import { ContactMessage, ContactReply, type ContactStatus } from '../../common/models';
import { enqueue } from '../../common/queues';
import { NotFoundError } from '../../common/errors';
import type { ContactInput, InboxQuery } from './schemas';

export interface ContactView {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  subject: string;
  message: string;
  status: ContactStatus;
  createdAt: Date;
  replies: Array<{ id: string; authorId: string | null; message: string; createdAt: Date }>;
}

const toView = (c: ContactMessage, replies: ContactReply[] = []): ContactView => ({
  id: c.id,
  name: c.name,
  email: c.email,
  phone: c.phone ?? null,
  subject: c.subject,
  message: c.message,
  status: c.status,
  createdAt: c.createdAt,
  replies: replies.map((r) => ({ id: r.id, authorId: r.authorId, message: r.message, createdAt: r.createdAt })),
});

export type ContactServiceDeps = Pick<ApiDeps, 'queues'> & { logger: Logger };

/** The public contact form and the admins' inbox (README.md#contact-inbox). */
export class ContactService {
  constructor(private readonly deps: ContactServiceDeps) {}

  /**
   * Stores the message, then queues its email to the school. The stored row is the record: if the
   * queue cannot take the email now, the message still reaches the inbox and the failure is logged.
   */
  async submit(input: ContactInput): Promise<{ id: string }> {
    const row = await ContactMessage.create({
      name: input.name,
      email: input.email,
      phone: input.phone || null,
      subject: input.subject,
      message: input.message,
    });
    try {
      await enqueue(this.deps.queues, 'email', { template: 'contact-message', params: { contactId: row.id } }, { jobId: `contact-${row.id}` });
    } catch (err) {
      this.deps.logger.error('contact email not queued', { contactId: row.id, error: (err as Error).message });
    }
    return { id: row.id };
  }

  async inbox(query: InboxQuery): Promise<{ rows: ContactView[]; total: number }> {
    const { rows, count } = await ContactMessage.findAndCountAll({
      where: query.status ? { status: query.status } : {},
      order: [
        ['createdAt', 'DESC'],
        ['id', 'ASC'],
      ],
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    return { rows: rows.map((r) => toView(r)), total: count };
  }

  async setStatus(id: string, status: ContactStatus): Promise<ContactView> {
    const row = await ContactMessage.findByPk(id);
    if (!row) throw new NotFoundError('Contact message');
    await row.update({ status });
    return toView(row, await this.repliesOf(id));
  }

  /** Records the reply, marks the message replied, and queues the email to the visitor. */
  async reply(authorId: string, id: string, message: string): Promise<ContactView> {
    const row = await ContactMessage.findByPk(id);
    if (!row) throw new NotFoundError('Contact message');
    const reply = await ContactReply.create({ contactId: id, authorId, message });
    await row.update({ status: 'replied' });
    await enqueue(this.deps.queues, 'email', { template: 'contact-reply', params: { replyId: reply.id } }, { jobId: `contact-reply-${reply.id}` });
    return toView(row, await this.repliesOf(id));
  }

  private repliesOf(contactId: string): Promise<ContactReply[]> {
    return ContactReply.findAll({ where: { contactId }, order: [['createdAt', 'ASC']] });
  }
}
