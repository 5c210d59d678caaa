import { expect } from 'chai';
import { apiDeps } from '../support/deps';
import { getConfig } from '../../common/config';
import { ContactMessage, ContactReply } from '../../common/models';
import { contactTemplates } from '../../worker/email/contact-templates';

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

/** The contact form's two mails, built from the rows the job names, with the visitor's text made harmless. */
describe('contact form emails', () => {
  const config = () => getConfig();
  const message = (fields: Partial<{ name: string; email: string; phone: string | null; subject: string; message: string }> = {}) => {
    apiDeps(); // binds the models
    return ContactMessage.create({
      name: 'Ibu <Sari>',
      email: 'sari@example.org',
      phone: null,
      subject: 'Pendaftaran\r\nBcc: victim@example.org',
      message: 'Halo & <b>salam</b>\nBaris dua',
      ...fields,
    });
  };

  it("sends the visitor's message to the school, replying to the visitor, with one-line subject and escaped HTML", async () => {
    const contact = await message();
    const mail = (await contactTemplates['contact-message']!({ template: 'contact-message', params: { contactId: contact.id } }, config()))!;
    expect(mail).to.include({ to: config().site.schoolEmail, replyTo: 'sari@example.org', subject: '[Contact] Pendaftaran Bcc: victim@example.org' });
    expect(mail.text).to.equal('From: Ibu <Sari> <sari@example.org>\n\nHalo & <b>salam</b>\nBaris dua');
    expect(mail.html).to.equal('<p>From: Ibu &lt;Sari&gt; &lt;sari@example.org&gt;</p><p>Halo &amp; &lt;b&gt;salam&lt;/b&gt;<br>Baris dua</p>');
  });

  it('adds the phone number when the visitor gave one', async () => {
    const contact = await message({ phone: '+62 812' });
    const mail = (await contactTemplates['contact-message']!({ template: 'contact-message', params: { contactId: contact.id } }, config()))!;
    expect(mail.text).to.contain('\nPhone: +62 812\n');
    expect(mail.html).to.contain('<br>Phone: +62 812</p>');
  });

  it('sends nothing for a message that no longer exists or a job that names none', async () => {
    expect(await contactTemplates['contact-message']!({ template: 'contact-message', params: { contactId: NO_SUCH_ID } }, config())).to.equal(null);
    expect(await contactTemplates['contact-message']!({ template: 'contact-message' }, config())).to.equal(null);
  });

  it("sends a staff reply to the visitor, quoting their message, from the school's address", async () => {
    const contact = await message();
    const reply = await ContactReply.create({ contactId: contact.id, authorId: null, message: 'Terima kasih\nSalam' });
    const mail = (await contactTemplates['contact-reply']!({ template: 'contact-reply', params: { replyId: reply.id } }, config()))!;
    expect(mail).to.include({ to: 'sari@example.org', replyTo: config().site.schoolEmail, subject: 'Re: Pendaftaran Bcc: victim@example.org' });
    expect(mail.text).to.equal('Hi Ibu <Sari>,\n\nTerima kasih\nSalam\n\n> Halo & <b>salam</b>\n> Baris dua\n\nGEMA');
    expect(mail.html).to.contain('<blockquote>Halo &amp; &lt;b&gt;salam&lt;/b&gt;<br>Baris dua</blockquote>');
  });

  it('sends no reply for a reply that no longer exists or a job that names none', async () => {
    expect(await contactTemplates['contact-reply']!({ template: 'contact-reply', params: { replyId: NO_SUCH_ID } }, config())).to.equal(null);
    expect(await contactTemplates['contact-reply']!({ template: 'contact-reply' }, config())).to.equal(null);
  });
});
