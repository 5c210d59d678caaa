import { ContactMessage, ContactReply } from '../../common/models';
import type { EmailTemplate } from './templates';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const paragraphs = (s: string) => escape(s).replace(/\r?\n/g, '<br>');
/** a header never carries a line break a visitor typed */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').slice(0, 200);

/**
 * The contact form's mail: the visitor's message to the school's address (Reply-To the visitor), and
 * a staff reply to the visitor. Jobs carry only ids; the text is read from the database here.
 */
export const contactTemplates: Record<string, EmailTemplate> = {
  'contact-message': async (job, config) => {
    const contact = job.params?.contactId ? await ContactMessage.findByPk(job.params.contactId) : null;
    if (!contact) return null;
    const lines = [`From: ${contact.name} <${contact.email}>`, ...(contact.phone ? [`Phone: ${contact.phone}`] : []), '', contact.message];
    return {
      to: config.site.schoolEmail,
      replyTo: contact.email,
      subject: oneLine(`[Contact] ${contact.subject}`),
      text: lines.join('\n'),
      html: `<p>From: ${escape(contact.name)} &lt;${escape(contact.email)}&gt;${contact.phone ? `<br>Phone: ${escape(contact.phone)}` : ''}</p><p>${paragraphs(contact.message)}</p>`,
    };
  },
  'contact-reply': async (job, config) => {
    const reply = job.params?.replyId ? await ContactReply.findByPk(job.params.replyId) : null;
    const contact = reply ? await ContactMessage.findByPk(reply.contactId) : null;
    if (!reply || !contact) return null;
    return {
      to: contact.email,
      replyTo: config.site.schoolEmail,
      subject: oneLine(`Re: ${contact.subject}`),
      text: `Hi ${contact.name},\n\n${reply.message}\n\n> ${contact.message.split('\n').join('\n> ')}\n\nGEMA`,
      html: `<p>Hi ${escape(contact.name)},</p><p>${paragraphs(reply.message)}</p><blockquote>${paragraphs(contact.message)}</blockquote><p>GEMA</p>`,
    };
  },
};
