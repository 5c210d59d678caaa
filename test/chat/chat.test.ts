import crypto from 'node:crypto';
import request from 'supertest';
import { expect } from 'chai';
import { app, isolatedApp } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { openSse, serveLive, type LiveApp } from '../support/sse';
import { connectClient, nextEvent } from '../support/realtime';
import { XSS_PAYLOADS, expectInert } from '../support/xss';
import { ChatMessage, Notification, type User } from '../../common/models';

type School = Awaited<ReturnType<typeof createSchool>>;

const api = (u: User) => ({
  start: (body: Record<string, unknown>) => request(app()).post('/api/v2/chat/conversations').set(bearer(u)).send(body),
  post: (conversationId: string, body: string) => request(app()).post('/api/v2/chat/messages').set(bearer(u)).send({ conversationId, body }),
  messages: (id: string, query = '') => request(app()).get(`/api/v2/chat/conversations/${id}/messages${query}`).set(bearer(u)),
  list: () => request(app()).get('/api/v2/chat/conversations').set(bearer(u)),
  read: (id: string) => request(app()).post(`/api/v2/chat/conversations/${id}/read`).set(bearer(u)),
});

describe('chat', function () {
  this.timeout(20_000);
  let school: School;
  beforeEach(async () => {
    app();
    school = await createSchool();
  });

  describe('who may reach whom', () => {
    it('lets a student open a direct conversation with a teacher of their classroom, once per pair', async () => {
      const first = await api(school.student).start({ kind: 'direct', userId: school.teacher.id }).expect(201);
      expect(first.body.data).to.include({ kind: 'direct' });
      const again = await api(school.teacher).start({ kind: 'direct', userId: school.student.id }).expect(200);
      expect(again.body.data.id).to.equal(first.body.data.id);
    });

    for (const target of ['classmate', 'outsider', 'otherTeacher', 'admin'] as const) {
      it(`answers 404 to a student messaging the ${target} directly`, async () => {
        await api(school.student).start({ kind: 'direct', userId: school[target].id }).expect(404);
      });
    }

    it('lets teachers message each other and admins message anyone', async () => {
      await api(school.teacher).start({ kind: 'direct', userId: school.otherTeacher.id }).expect(201);
      await api(school.admin).start({ kind: 'direct', userId: school.outsider.id }).expect(201);
    });

    it('answers 404 to a teacher messaging a student of a classroom they do not teach', async () => {
      await api(school.teacher).start({ kind: 'direct', userId: school.outsider.id }).expect(404);
    });

    it("opens a student's own classroom channel and answers 404 for another classroom's", async () => {
      const mine = await api(school.student).start({ kind: 'classroom', classroomId: school.classroom.id });
      expect(mine.status).to.be.oneOf([200, 201]);
      await api(school.student).start({ kind: 'classroom', classroomId: school.other.id }).expect(404);
    });

    it('answers 404 to a student reading, writing to or marking a conversation they are not in', async () => {
      const dm = (await api(school.teacher).start({ kind: 'direct', userId: school.classmate.id }).expect(201)).body.data.id as string;
      await request(app()).get(`/api/v2/chat/conversations/${dm}`).set(bearer(school.student)).expect(404);
      await api(school.student).messages(dm).expect(404);
      await api(school.student).post(dm, 'hi').expect(404);
      await api(school.student).read(dm).expect(404);
    });
  });

  describe('messages', () => {
    let dm: string;
    beforeEach(async () => {
      dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id })).body.data.id as string;
    });

    it('stores the Markdown as written and returns it also as sanitized HTML', async () => {
      const res = await api(school.student).post(dm, 'I tried **this**').expect(201);
      expect(res.body.data).to.include({ body: 'I tried **this**', html: '<p>I tried <strong>this</strong></p>', deleted: false });
      expect(res.body.data.author).to.deep.equal({ id: school.student.id, name: school.student.name });
    });

    for (const [name, payload] of Object.entries(XSS_PAYLOADS)) {
      it(`returns a stored ${name} payload inert, when posted and when read back`, async () => {
        const posted = await api(school.student).post(dm, payload).expect(201);
        expectInert(posted.body.data.html);
        const [back] = (await api(school.teacher).messages(dm)).body.data;
        expectInert(back.html);
        expect(back.body).to.equal(payload);
      });
    }

    it('refuses a body over 4,000 characters', async () => {
      await api(school.student).post(dm, 'x'.repeat(4001)).expect(400);
    });

    it('pages back through messages with a before cursor, newest first, missing none', async () => {
      for (let i = 1; i <= 5; i++) await api(school.student).post(dm, `m${i}`).expect(201);
      const seen: string[] = [];
      let before: string | null = null;
      do {
        const res: request.Response = await api(school.teacher)
          .messages(dm, `?limit=2${before ? `&before=${before}` : ''}`)
          .expect(200);
        seen.push(...res.body.data.map((m: { body: string }) => m.body));
        before = res.body.meta.nextBefore;
      } while (before);
      expect(seen).to.deep.equal(['m5', 'm4', 'm3', 'm2', 'm1']);
    });

    it('lists conversations with the unread count and the last message, and clears the count once read', async () => {
      await api(school.teacher).post(dm, 'first').expect(201);
      await api(school.teacher).post(dm, 'second').expect(201);
      const mine = (await api(school.student).list().expect(200)).body.data.find((c: { id: string }) => c.id === dm);
      expect(mine.unreadCount).to.equal(2);
      expect(mine.lastMessage.body).to.equal('second');
      await api(school.student).read(dm).expect(200);
      const after = (await api(school.student).list()).body.data.find((c: { id: string }) => c.id === dm);
      expect(after.unreadCount).to.equal(0);
    });

    it('lets the author edit their message and answers 404 to anyone else', async () => {
      const m = (await api(school.student).post(dm, 'typo')).body.data.id as string;
      await request(app()).put(`/api/v2/chat/messages/${m}`).set(bearer(school.teacher)).send({ body: 'hacked' }).expect(404);
      const res = await request(app()).put(`/api/v2/chat/messages/${m}`).set(bearer(school.student)).send({ body: 'fixed' }).expect(200);
      expect(res.body.data).to.include({ body: 'fixed' });
      expect(res.body.data.editedAt).to.be.a('string');
    });

    it('keeps a deleted message in its place as deleted, and refuses to edit it', async () => {
      await api(school.student).post(dm, 'before');
      const m = (await api(school.student).post(dm, 'oops')).body.data.id as string;
      await api(school.student).post(dm, 'after');
      await request(app()).delete(`/api/v2/chat/messages/${m}`).set(bearer(school.teacher)).expect(404);
      await request(app()).delete(`/api/v2/chat/messages/${m}`).set(bearer(school.student)).expect(204);
      const list = (await api(school.teacher).messages(dm)).body.data as Array<{ body: string | null; deleted: boolean }>;
      expect(list.map((x) => [x.body, x.deleted])).to.deep.equal([
        ['after', false],
        [null, true],
        ['before', false],
      ]);
      await request(app()).put(`/api/v2/chat/messages/${m}`).set(bearer(school.student)).send({ body: 'x' }).expect(409);
    });

    it('limits messages per user (429 past the limit)', async () => {
      const limited = isolatedApp({ CHAT_MESSAGE_RATE_LIMIT_MAX: '2' });
      const send = () => request(limited.app).post('/api/v2/chat/messages').set(bearer(school.student)).send({ conversationId: dm, body: 'x' });
      await send().expect(201);
      await send().expect(201);
      const res = await send().expect(429);
      expect(res.headers['retry-after']).to.be.a('string');
    });
  });

  describe('support desk', () => {
    it('lets a student open a support conversation that admins see by status, answer, assign and close; a teacher cannot read it', async () => {
      const id = (await api(school.student).start({ kind: 'support', subject: 'Cannot log in', priority: 'high' }).expect(201)).body.data
        .id as string;
      const open = await request(app()).get('/api/v2/chat/support?status=open').set(bearer(school.admin)).expect(200);
      expect(open.body.data.map((c: { id: string }) => c.id)).to.include(id);
      await api(school.admin).post(id, 'Try resetting your password').expect(201);
      expect((await request(app()).get(`/api/v2/chat/conversations/${id}`).set(bearer(school.student))).body.data.status).to.equal('waiting');
      const done = await request(app())
        .patch(`/api/v2/chat/support/${id}`)
        .set(bearer(school.admin))
        .send({ assigneeId: school.admin.id, status: 'closed' })
        .expect(200);
      expect(done.body.data).to.include({ assigneeId: school.admin.id, status: 'closed', priority: 'high' });
      await request(app()).get(`/api/v2/chat/conversations/${id}`).set(bearer(school.teacher)).expect(404);
    });

    it('refuses to assign a support conversation to someone who is not an admin (422), and the desk to non-admins (403)', async () => {
      const id = (await api(school.student).start({ kind: 'support', subject: 'Help' })).body.data.id as string;
      await request(app()).patch(`/api/v2/chat/support/${id}`).set(bearer(school.admin)).send({ assigneeId: school.teacher.id }).expect(422);
      await request(app()).patch(`/api/v2/chat/support/${id}`).set(bearer(school.student)).send({ status: 'closed' }).expect(403);
      await request(app()).get('/api/v2/chat/support').set(bearer(school.teacher)).expect(403);
    });
  });

  describe('live, across API processes', () => {
    let live: LiveApp;
    before(async () => {
      const second = isolatedApp();
      live = await serveLive(second.app, second.deps);
    });
    after(async () => live.close());

    it('delivers a message posted through one process to an SSE client and a Socket.IO client connected to another', async () => {
      const dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id })).body.data.id as string;
      const sse = await openSse(`${live.url}/api/v2/chat/sse`, bearer(school.teacher));
      const socket = await connectClient(live.url, bearer(school.teacher).Authorization.slice(7));
      try {
        const heard = nextEvent<{ body: string; conversationId: string }>(socket, 'chat:message');
        await api(school.student).post(dm, 'across processes').expect(201);
        const e = await sse.next((x) => x.event === 'chat:message');
        expect(JSON.parse(e.data)).to.include({ body: 'across processes', conversationId: dm });
        expect(await heard).to.include({ body: 'across processes', conversationId: dm });
      } finally {
        sse.close();
        socket.close();
      }
    });

    it("delivers a classroom channel's message to the classroom's students through the classroom room", async () => {
      const channel = (await api(school.teacher).start({ kind: 'classroom', classroomId: school.classroom.id })).body.data.id as string;
      const classmate = await connectClient(live.url, bearer(school.classmate).Authorization.slice(7));
      try {
        const heard = nextEvent<{ body: string }>(classmate, 'chat:message');
        await api(school.teacher).post(channel, 'Lab moved to room 3').expect(201);
        expect((await heard).body).to.equal('Lab moved to room 3');
      } finally {
        classmate.close();
      }
    });

    it('replays the chat messages missed while disconnected after Last-Event-ID', async () => {
      const dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id })).body.data.id as string;
      const first = await openSse(`${live.url}/api/v2/chat/sse`, bearer(school.teacher));
      await api(school.student).post(dm, 'one');
      const one = await first.next();
      first.close();
      await first.ended;
      await api(school.student).post(dm, 'two');
      const again = await openSse(`${live.url}/api/v2/chat/sse`, { ...bearer(school.teacher), 'Last-Event-ID': one.id! });
      try {
        expect(JSON.parse((await again.next()).data).body).to.equal('two');
      } finally {
        again.close();
      }
    });

    it('relays typing indicators to the other participant without storing anything', async () => {
      const dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id })).body.data.id as string;
      const student = await connectClient(live.url, bearer(school.student).Authorization.slice(7));
      const teacher = await connectClient(live.url, bearer(school.teacher).Authorization.slice(7));
      try {
        const heard = nextEvent(teacher, 'chat:typing');
        student.emit('chat:typing', { conversationId: dm, typing: true });
        expect(await heard).to.deep.equal({ conversationId: dm, userId: school.student.id, name: school.student.name, typing: true });
        expect(await ChatMessage.count({ where: { conversationId: dm } })).to.equal(0);
      } finally {
        student.close();
        teacher.close();
      }
    });

    it('ignores typing from a socket that may not read the conversation', async () => {
      const dm = (await api(school.teacher).start({ kind: 'direct', userId: school.classmate.id })).body.data.id as string;
      const outsider = await connectClient(live.url, bearer(school.student).Authorization.slice(7));
      const classmate = await connectClient(live.url, bearer(school.classmate).Authorization.slice(7));
      try {
        let heard = false;
        classmate.on('chat:typing', (t: { userId: string }) => {
          if (t.userId === school.student.id) heard = true;
        });
        outsider.emit('chat:typing', { conversationId: dm, typing: true });
        // the teacher's indicator, sent after, proves the earlier one would have arrived first
        const teacher = await connectClient(live.url, bearer(school.teacher).Authorization.slice(7));
        const marker = nextEvent(classmate, 'chat:typing');
        await new Promise((r) => setTimeout(r, 50));
        teacher.emit('chat:typing', { conversationId: dm, typing: true });
        await marker;
        teacher.close();
        expect(heard).to.equal(false);
      } finally {
        outsider.close();
        classmate.close();
      }
    });

    it('relays typing in a classroom channel to the classroom, every time within the minute its access is remembered', async () => {
      const channel = (await api(school.teacher).start({ kind: 'classroom', classroomId: school.classroom.id })).body.data.id as string;
      const student = await connectClient(live.url, bearer(school.student).Authorization.slice(7));
      const classmate = await connectClient(live.url, bearer(school.classmate).Authorization.slice(7));
      try {
        const first = nextEvent<{ typing: boolean }>(classmate, 'chat:typing');
        student.emit('chat:typing', { conversationId: channel, typing: true });
        expect(await first).to.include({ conversationId: channel, userId: school.student.id, typing: true });
        const second = nextEvent<{ typing: boolean }>(classmate, 'chat:typing');
        student.emit('chat:typing', { conversationId: channel, typing: false });
        expect(await second).to.include({ conversationId: channel, typing: false });
      } finally {
        student.close();
        classmate.close();
      }
    });

    it('ignores typing requests without a conversation id, with one that is not an id, or naming no conversation', async () => {
      const dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id })).body.data.id as string;
      const student = await connectClient(live.url, bearer(school.student).Authorization.slice(7));
      const teacher = await connectClient(live.url, bearer(school.teacher).Authorization.slice(7));
      try {
        const heard: unknown[] = [];
        teacher.on('chat:typing', (t: unknown) => heard.push(t));
        student.emit('chat:typing', null);
        student.emit('chat:typing', { conversationId: 42, typing: true });
        student.emit('chat:typing', { conversationId: 'general', typing: true });
        student.emit('chat:typing', { conversationId: crypto.randomUUID(), typing: true });
        // handled in order on one socket: once the valid one arrives, the others were dropped
        const marker = nextEvent(teacher, 'chat:typing');
        student.emit('chat:typing', { conversationId: dm, typing: true });
        await marker;
        expect(heard).to.deep.equal([{ conversationId: dm, userId: school.student.id, name: school.student.name, typing: true }]);
      } finally {
        student.close();
        teacher.close();
      }
    });

    it('tells the other participant when a conversation was read', async () => {
      const dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id })).body.data.id as string;
      const socket = await connectClient(live.url, bearer(school.student).Authorization.slice(7));
      try {
        const heard = nextEvent<{ conversationId: string; userId: string }>(socket, 'chat:read');
        await api(school.teacher).read(dm).expect(200);
        expect(await heard).to.include({ conversationId: dm, userId: school.teacher.id });
      } finally {
        socket.close();
      }
    });

    it('notifies a participant who is offline once per conversation until they read it, and not one who is online', async () => {
      const dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id })).body.data.id as string;
      const chatNotes = async (u: User) =>
        (await Notification.findAll({ where: { userId: u.id, type: 'chat.message' } })).filter((n) => n.data.conversationId === dm);
      await api(school.student).post(dm, 'are you there?').expect(201);
      await api(school.student).post(dm, 'hello?').expect(201);
      expect(await chatNotes(school.teacher)).to.have.length(1);
      await api(school.teacher).read(dm).expect(200);
      await api(school.student).post(dm, 'after you read').expect(201);
      expect(await chatNotes(school.teacher)).to.have.length(2);
      const online = await connectClient(live.url, bearer(school.student).Authorization.slice(7));
      try {
        await api(school.teacher).post(dm, 'I am here').expect(201);
        expect(await chatNotes(school.student)).to.have.length(0);
      } finally {
        online.close();
      }
    });
  });
});
