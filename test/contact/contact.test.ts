import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { isolatedApp } from '../support/deps';
import { bearer, createUser } from '../support/factories';
import { withMailFlowing, type ReceivedMail } from '../support/smtp';
import { ContactMessage, ContactReply, type User } from '../../common/models';

describe('contact form and inbox', () => {
  const smtp = withMailFlowing();
  // behind a trusted proxy, so each test can be its own client IP
  const { app } = isolatedApp({ TRUST_PROXY: '1' });
  let admin: User;
  let teacher: User;

  before(async () => {
    admin = await createUser({ role: 'admin' });
    teacher = await createUser({ role: 'teacher' });
  });

  const ip = () => `10.${crypto.randomInt(256)}.${crypto.randomInt(256)}.${crypto.randomInt(1, 255)}`;
  const email = () => `parent.${crypto.randomBytes(4).toString('hex')}@example.com`;
  const form = (over: Record<string, unknown> = {}) => ({
    name: 'Ibu Sari',
    email: email(),
    subject: `Pendaftaran ${crypto.randomBytes(4).toString('hex')}`,
    message: 'Kapan pendaftaran dibuka?\nTerima kasih.',
    ...over,
  });
  const send = (body: Record<string, unknown>, from = ip()) => request(app).post('/api/v2/contact').set('X-Forwarded-For', from).send(body);

  const mailWith = async (needle: string): Promise<ReceivedMail> => {
    for (;;) {
      const found = smtp.received.find((m) => m.text.includes(needle));
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('stores a message and emails it to the school, replying to the sender', async () => {
    const body = form({ phone: '+62 812 3456 7890' });
    const res = await send(body);
    expect(res.status).to.equal(201);
    const row = await ContactMessage.findByPk(res.body.data.id);
    expect(row).to.deep.include({ email: body.email, subject: body.subject, status: 'unread', phone: '+62 812 3456 7890' });
    const mail = await mailWith(body.subject as string);
    expect(mail.to).to.deep.equal(['info@gema.local']);
    expect(mail.raw).to.match(new RegExp(`^Reply-To: ${body.email}`, 'mi'));
    expect(mail.text).to.include('Kapan pendaftaran dibuka?');
  });

  it('answers 400 with a detail per bad field', async () => {
    const res = await send({ name: '', email: 'not-an-email', subject: 'x', message: '' });
    expect(res.status).to.equal(400);
    const fields = (res.body.error.details as Array<{ field: string }>).map((d) => d.field);
    expect(fields).to.have.members(['name', 'email', 'message']);
  });

  it('refuses unknown fields', async () => {
    const res = await send(form({ status: 'replied' }));
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal('status');
  });

  it('gives a bot that fills the honeypot 201 and stores and sends nothing', async () => {
    const body = form({ website: 'http://spam.example' });
    const before = await ContactMessage.count();
    const res = await send(body);
    expect(res.status).to.equal(201);
    expect(res.body.data.id).to.be.a('string');
    expect(await ContactMessage.count()).to.equal(before);
    // a message sent after it is delivered while the bot's never is
    const real = form();
    await send(real);
    await mailWith(real.subject as string);
    expect(smtp.received.some((m) => m.text.includes(body.subject as string))).to.equal(false);
  });

  it('accepts 3 messages an hour from one IP and refuses the 4th with 429', async () => {
    const from = ip();
    for (let i = 0; i < 3; i++) expect((await send(form(), from)).status).to.equal(201);
    const res = await send(form(), from);
    expect(res.status).to.equal(429);
    expect(res.headers['retry-after']).to.match(/^\d+$/);
  });

  it('accepts 3 messages an hour from one email address, from any IP, and refuses the 4th', async () => {
    const address = email();
    for (let i = 0; i < 3; i++) expect((await send(form({ email: address }))).status).to.equal(201);
    expect((await send(form({ email: address.toUpperCase() }))).status).to.equal(429);
  });

  describe('inbox', () => {
    let id: string;
    let sender: string;
    before(async () => {
      const body = form();
      sender = body.email as string;
      id = (await send(body)).body.data.id;
    });

    it('lists messages by status for admins, newest first', async () => {
      const res = await request(app).get('/api/v2/admin/contacts?status=unread&pageSize=100').set(bearer(admin));
      expect(res.status).to.equal(200);
      expect(res.body.data.map((m: { id: string }) => m.id)).to.include(id);
      expect(res.body.data.every((m: { status: string }) => m.status === 'unread')).to.equal(true);
      expect(res.body.meta.total).to.be.at.least(1);
    });

    it('lists messages of every status when none is asked for', async () => {
      const res = await request(app).get('/api/v2/admin/contacts?pageSize=100').set(bearer(admin));
      expect(res.status).to.equal(200);
      expect(res.body.data.map((m: { id: string }) => m.id)).to.include(id);
    });

    it('answers 404 to a reply to a message that does not exist, recording nothing', async () => {
      const missing = crypto.randomUUID();
      const res = await request(app).post(`/api/v2/admin/contacts/${missing}/reply`).set(bearer(admin)).send({ message: 'Halo' });
      expect(res.status).to.equal(404);
      expect(await ContactReply.count({ where: { contactId: missing } })).to.equal(0);
    });

    it('is closed to teachers with 403', async () => {
      expect((await request(app).get('/api/v2/admin/contacts').set(bearer(teacher))).status).to.equal(403);
    });

    it('marks a message read', async () => {
      const res = await request(app).patch(`/api/v2/admin/contacts/${id}`).set(bearer(admin)).send({ status: 'read' });
      expect(res.status).to.equal(200);
      expect((await ContactMessage.findByPk(id))!.status).to.equal('read');
    });

    it('answers 404 for a message that does not exist', async () => {
      const res = await request(app).patch(`/api/v2/admin/contacts/${crypto.randomUUID()}`).set(bearer(admin)).send({ status: 'read' });
      expect(res.status).to.equal(404);
    });

    it('emails a reply to the sender, records it and marks the message replied', async () => {
      const res = await request(app).post(`/api/v2/admin/contacts/${id}/reply`).set(bearer(admin)).send({ message: 'Dibuka 1 Januari.' });
      expect(res.status).to.equal(201);
      expect(res.body.data.status).to.equal('replied');
      expect(res.body.data.replies[0]).to.include({ message: 'Dibuka 1 Januari.', authorId: admin.id });
      expect(await ContactReply.count({ where: { contactId: id } })).to.equal(1);
      const mail = await smtp.waitFor(sender);
      expect(mail.text).to.include('Dibuka 1 Januari.');
    });
  });
});
