import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { XSS_PAYLOADS, expectInert } from '../support/xss';
import { Notification, type User } from '../../common/models';

type School = Awaited<ReturnType<typeof createSchool>>;

const as = (u: User) => ({
  thread: (body: Record<string, unknown>) => request(app()).post('/api/v2/discussion/threads').set(bearer(u)).send(body),
  list: (query = '') => request(app()).get(`/api/v2/discussion/threads${query}`).set(bearer(u)),
  get: (id: string) => request(app()).get(`/api/v2/discussion/threads/${id}`).set(bearer(u)),
  change: (id: string, body: Record<string, unknown>) => request(app()).put(`/api/v2/discussion/threads/${id}`).set(bearer(u)).send(body),
  remove: (id: string) => request(app()).delete(`/api/v2/discussion/threads/${id}`).set(bearer(u)),
  reply: (threadId: string, body: string, replyTo?: string) =>
    request(app())
      .post('/api/v2/discussion/replies')
      .set(bearer(u))
      .send({ threadId, body, ...(replyTo ? { replyTo } : {}) }),
  replies: (threadId: string) => request(app()).get(`/api/v2/discussion/replies?threadId=${threadId}`).set(bearer(u)),
});

const notesOf = async (u: User, type: string) => Notification.findAll({ where: { userId: u.id, type } });

describe('discussion forum', function () {
  this.timeout(20_000);
  let school: School;
  let tag: string;
  beforeEach(async () => {
    app();
    school = await createSchool();
    tag = `t${Math.random().toString(36).slice(2, 10)}`;
  });

  const classThread = async (title = 'How do loops work?', extra: Record<string, unknown> = {}) =>
    (
      await as(school.student)
        .thread({ title, body: 'I am **stuck**', tags: [tag], classroomId: school.classroom.id, ...extra })
        .expect(201)
    ).body.data as { id: string };

  describe('threads', () => {
    it('creates a classroom thread with its Markdown rendered and its tags', async () => {
      const res = await as(school.student)
        .thread({ title: 'Loops', body: 'I am **stuck**', tags: ['Python', 'loops'], classroomId: school.classroom.id })
        .expect(201);
      expect(res.body.data).to.include({
        title: 'Loops',
        body: 'I am **stuck**',
        html: '<p>I am <strong>stuck</strong></p>',
        classroomId: school.classroom.id,
      });
      expect(res.body.data.tags).to.deep.equal(['python', 'loops']);
    });

    it('answers 404 to a thread in another classroom, for reading it and for posting there', async () => {
      const t = await classThread();
      await as(school.outsider).get(t.id).expect(404);
      await as(school.outsider).reply(t.id, 'hi').expect(404);
      await as(school.outsider).thread({ title: 'Mine', body: 'x', classroomId: school.classroom.id }).expect(404);
    });

    it('shows school-wide threads to everyone and classroom threads only to that classroom', async () => {
      const schoolWide = (
        await as(school.teacher)
          .thread({ title: 'Welcome all', body: 'x', tags: [tag] })
          .expect(201)
      ).body.data.id as string;
      const mine = (await classThread()).id;
      const outsiderSees = (await as(school.outsider).list(`?tag=${tag}`)).body.data.map((t: { id: string }) => t.id);
      expect(outsiderSees).to.deep.equal([schoolWide]);
      const classmateSees = (await as(school.classmate).list(`?tag=${tag}`)).body.data.map((t: { id: string }) => t.id);
      expect(classmateSees).to.have.members([schoolWide, mine]);
    });

    it('finds threads by full-text search on title and body', async () => {
      await classThread('Recursion in Python');
      await classThread('Arrays in C');
      const found = (await as(school.student).list(`?tag=${tag}&q=recursion`)).body.data.map((t: { title: string }) => t.title);
      expect(found).to.deep.equal(['Recursion in Python']);
    });

    it('filters unanswered threads and sorts by newest or by last activity, pinned first', async () => {
      const a = await classThread('First');
      const b = await classThread('Second');
      await as(school.classmate).reply(a.id, 'an answer').expect(201);
      const unanswered = (await as(school.student).list(`?tag=${tag}&unanswered=true`)).body.data.map((t: { id: string }) => t.id);
      expect(unanswered).to.deep.equal([b.id]);
      const byActivity = (await as(school.student).list(`?tag=${tag}`)).body.data.map((t: { id: string }) => t.id);
      expect(byActivity).to.deep.equal([a.id, b.id]);
      const newest = (await as(school.student).list(`?tag=${tag}&sort=newest`)).body.data.map((t: { id: string }) => t.id);
      expect(newest).to.deep.equal([b.id, a.id]);
      await as(school.teacher).change(b.id, { pinned: true }).expect(200);
      const pinnedFirst = (await as(school.student).list(`?tag=${tag}`)).body.data.map((t: { id: string }) => t.id);
      expect(pinnedFirst).to.deep.equal([b.id, a.id]);
    });

    it('lets the author edit their thread, and answers 403 to a classmate editing it', async () => {
      const t = await classThread();
      await as(school.classmate).change(t.id, { title: 'Hijacked' }).expect(403);
      const res = await as(school.student).change(t.id, { title: 'How do for-loops work?' }).expect(200);
      expect(res.body.data.title).to.equal('How do for-loops work?');
      expect(res.body.data.editedAt).to.be.a('string');
    });

    it("lets the classroom's teacher pin and lock, but not a student nor another classroom's teacher", async () => {
      const t = await classThread();
      await as(school.student).change(t.id, { pinned: true }).expect(403);
      await as(school.otherTeacher).change(t.id, { locked: true }).expect(404);
      const res = await as(school.teacher).change(t.id, { pinned: true, locked: true }).expect(200);
      expect(res.body.data).to.include({ pinned: true, locked: true });
    });

    it('keeps a deleted thread in place as deleted with its replies readable', async () => {
      const t = await classThread();
      await as(school.classmate).reply(t.id, 'still useful').expect(201);
      await as(school.classmate).remove(t.id).expect(403);
      await as(school.teacher).remove(t.id).expect(204);
      const gone = (await as(school.student).get(t.id).expect(200)).body.data;
      expect(gone).to.include({ deleted: true, title: null, body: null });
      expect((await as(school.student).replies(t.id)).body.data.map((r: { body: string }) => r.body)).to.deep.equal(['still useful']);
    });
  });

  describe('replies', () => {
    it('refuses a reply to a locked thread with 409', async () => {
      const t = await classThread();
      await as(school.teacher).change(t.id, { locked: true }).expect(200);
      const res = await as(school.classmate).reply(t.id, 'too late').expect(409);
      expect(res.body.error.code).to.equal('THREAD_LOCKED');
    });

    it('nests one level: an answer to a nested reply joins its parent', async () => {
      const t = await classThread();
      const top = (await as(school.classmate).reply(t.id, 'top').expect(201)).body.data.id as string;
      const nested = (await as(school.student).reply(t.id, 'nested', top).expect(201)).body.data;
      expect(nested.replyTo).to.equal(top);
      const deeper = (await as(school.teacher).reply(t.id, 'deeper', nested.id).expect(201)).body.data;
      expect(deeper.replyTo).to.equal(top);
    });

    it('lets the author edit and delete their reply; a deleted one keeps its place', async () => {
      const t = await classThread();
      const r = (await as(school.classmate).reply(t.id, 'draft').expect(201)).body.data.id as string;
      await request(app()).put(`/api/v2/discussion/replies/${r}`).set(bearer(school.student)).send({ body: 'x' }).expect(403);
      await request(app()).put(`/api/v2/discussion/replies/${r}`).set(bearer(school.classmate)).send({ body: 'final' }).expect(200);
      await as(school.classmate).reply(t.id, 'second');
      await request(app()).delete(`/api/v2/discussion/replies/${r}`).set(bearer(school.classmate)).expect(204);
      const list = (await as(school.student).replies(t.id)).body.data as Array<{ body: string | null; deleted: boolean }>;
      expect(list.map((x) => [x.body, x.deleted])).to.deep.equal([
        [null, true],
        ['second', false],
      ]);
    });

    it('lets the author or a moderator accept an answer, which must be a reply of the thread', async () => {
      const t = await classThread();
      const other = await classThread('Other');
      const r = (await as(school.classmate).reply(t.id, 'use range()').expect(201)).body.data.id as string;
      const elsewhere = (await as(school.classmate).reply(other.id, 'x').expect(201)).body.data.id as string;
      await as(school.classmate).change(t.id, { acceptedReplyId: r }).expect(403);
      await as(school.student).change(t.id, { acceptedReplyId: elsewhere }).expect(422);
      const res = await as(school.student).change(t.id, { acceptedReplyId: r }).expect(200);
      expect(res.body.data.acceptedReplyId).to.equal(r);
    });
  });

  describe('stored XSS', () => {
    for (const [name, payload] of Object.entries(XSS_PAYLOADS)) {
      it(`returns a ${name} payload inert in a thread and in a reply`, async () => {
        const t = (await as(school.student).thread({ title: 'XSS', body: payload, classroomId: school.classroom.id }).expect(201)).body.data
          .id as string;
        expectInert((await as(school.classmate).get(t)).body.data.html);
        await as(school.classmate).reply(t, payload).expect(201);
        const [reply] = (await as(school.student).replies(t)).body.data;
        expectInert(reply.html);
        expect(reply.body).to.equal(payload);
      });
    }
  });

  describe('notifications', () => {
    it("notifies the thread's author of a reply, once, and not the replier", async () => {
      const t = await classThread();
      await as(school.classmate).reply(t.id, 'try this').expect(201);
      const mine = (await notesOf(school.student, 'discussion.reply')).filter((n) => n.data.threadId === t.id);
      expect(mine).to.have.length(1);
      expect(mine[0]!.link).to.match(new RegExp(`^/discussion/threads/${t.id}#reply-`));
      expect((await notesOf(school.classmate, 'discussion.reply')).filter((n) => n.data.threadId === t.id)).to.have.length(0);
    });

    it('notifies each @mentioned person who can see the thread, once, and nobody for a mention inside code', async () => {
      const handle = (u: User) => u.email!.split('@')[0];
      const t = await classThread();
      await as(school.student)
        .reply(t.id, `@${handle(school.teacher)} and @${handle(school.outsider)} please look; \`@${handle(school.classmate)}\``)
        .expect(201);
      expect((await notesOf(school.teacher, 'discussion.mention')).filter((n) => n.data.threadId === t.id)).to.have.length(1);
      // the outsider cannot see a classroom thread: no notification that leaks it
      expect(await notesOf(school.outsider, 'discussion.mention')).to.have.length(0);
      expect(await notesOf(school.classmate, 'discussion.mention')).to.have.length(0);
    });

    it('does not notify an author who mentions themselves', async () => {
      const me = await createUser({ classroomId: school.classroom.id });
      await as(me)
        .thread({ title: 'Note to self', body: `@${me.email.split('@')[0]} remember`, classroomId: school.classroom.id })
        .expect(201);
      expect(await notesOf(me, 'discussion.mention')).to.have.length(0);
    });
  });
});
