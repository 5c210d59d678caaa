import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { DiscussionThread, type User } from '../../common/models';

type School = Awaited<ReturnType<typeof createSchool>>;

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

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
  editReply: (id: string, body: string) => request(app()).put(`/api/v2/discussion/replies/${id}`).set(bearer(u)).send({ body }),
  removeReply: (id: string) => request(app()).delete(`/api/v2/discussion/replies/${id}`).set(bearer(u)),
});

/** The forum's refusals and its less travelled paths: deleted and locked threads, foreign replies, scope of lists. */
describe('discussion forum: edge cases', function () {
  this.timeout(20_000);
  let school: School;
  let tag: string;
  beforeEach(async () => {
    app();
    school = await createSchool();
    tag = `e${Math.random().toString(36).slice(2, 10)}`;
  });

  const classThread = async (title = 'Why does my loop never end?') =>
    (
      await as(school.student)
        .thread({ title, body: 'Help', tags: [tag], classroomId: school.classroom.id })
        .expect(201)
    ).body.data as { id: string };
  const replyOf = async (u: User, threadId: string, body = 'an answer') => (await as(u).reply(threadId, body).expect(201)).body.data.id as string;
  const titles = (res: request.Response) => (res.body.data as Array<{ title: string }>).map((t) => t.title);

  describe('lists', () => {
    it("shows an admin every classroom's threads", async () => {
      await as(school.outsider)
        .thread({ title: 'Other class', body: 'x', tags: [tag], classroomId: school.other.id })
        .expect(201);
      await classThread('Own class');
      expect(titles(await as(school.admin).list(`?tag=${tag}`).expect(200))).to.have.members(['Other class', 'Own class']);
    });

    it('shows a student without a classroom the school-wide threads only', async () => {
      const loner = await createUser({ role: 'student' });
      await classThread('Classroom only');
      await as(school.admin)
        .thread({ title: 'For everyone', body: 'x', tags: [tag] })
        .expect(201);
      const res = await as(loner).list(`?tag=${tag}`).expect(200);
      expect(titles(res)).to.deep.equal(['For everyone']);
      expect(res.body.meta.total).to.equal(1);
    });

    it('narrows the list to one classroom with classroomId', async () => {
      await classThread('In the classroom');
      await as(school.admin)
        .thread({ title: 'School-wide', body: 'x', tags: [tag] })
        .expect(201);
      expect(titles(await as(school.teacher).list(`?tag=${tag}&classroomId=${school.classroom.id}`).expect(200))).to.deep.equal(['In the classroom']);
    });

    it('answers an empty page with a total of 0 when nothing matches', async () => {
      const res = await as(school.student).list(`?tag=${tag}`).expect(200);
      expect(res.body).to.deep.include({ data: [] });
      expect(res.body.meta.total).to.equal(0);
    });

    it('answers 404 for a thread that does not exist', async () => {
      await as(school.student).get(NO_SUCH_ID).expect(404);
    });
  });

  describe('threads', () => {
    it('replaces the tags the author sends, normalised', async () => {
      const t = await classThread();
      const res = await as(school.student)
        .change(t.id, { tags: ['Python', 'loops'] })
        .expect(200);
      expect(res.body.data.tags).to.deep.equal(['python', 'loops']);
    });

    it('refuses any change to a deleted thread with 409 THREAD_DELETED', async () => {
      const t = await classThread();
      await as(school.classmate).reply(t.id, 'kept').expect(201);
      await as(school.student).remove(t.id).expect(204);
      const res = await as(school.student).change(t.id, { title: 'Back again' }).expect(409);
      expect(res.body.error.code).to.equal('THREAD_DELETED');
    });

    it('answers 204 to deleting a thread that is already deleted', async () => {
      const t = await classThread();
      await as(school.classmate).reply(t.id, 'kept').expect(201);
      await as(school.student).remove(t.id).expect(204);
      await as(school.student).remove(t.id).expect(204);
      expect((await DiscussionThread.findByPk(t.id))!.deletedAt).to.be.instanceOf(Date);
    });

    it('refuses a reply to a deleted thread with 409 THREAD_DELETED', async () => {
      const t = await classThread();
      await as(school.classmate).reply(t.id, 'kept').expect(201);
      await as(school.teacher).remove(t.id).expect(204);
      const res = await as(school.classmate).reply(t.id, 'late').expect(409);
      expect(res.body.error.code).to.equal('THREAD_DELETED');
    });

    it('lets an admin pin a school-wide thread, which a teacher may not moderate', async () => {
      const t = (
        await as(school.student)
          .thread({ title: 'For everyone', body: 'x', tags: [tag] })
          .expect(201)
      ).body.data.id as string;
      await as(school.teacher).change(t, { pinned: true }).expect(403);
      const res = await as(school.admin).change(t, { pinned: true }).expect(200);
      expect(res.body.data.pinned).to.equal(true);
    });

    it('refuses a deleted reply as the accepted answer with 422 NOT_A_REPLY', async () => {
      const t = await classThread();
      const r = await replyOf(school.classmate, t.id);
      await as(school.classmate).removeReply(r).expect(204);
      const res = await as(school.student).change(t.id, { acceptedReplyId: r }).expect(422);
      expect(res.body.error.code).to.equal('NOT_A_REPLY');
    });

    it('lets the author clear the accepted answer with null', async () => {
      const t = await classThread();
      const r = await replyOf(school.classmate, t.id);
      await as(school.student).change(t.id, { acceptedReplyId: r }).expect(200);
      const res = await as(school.student).change(t.id, { acceptedReplyId: null }).expect(200);
      expect(res.body.data.acceptedReplyId).to.equal(null);
    });
  });

  describe('replies', () => {
    it('refuses replyTo naming a reply of another thread with 422 NOT_A_REPLY', async () => {
      const t = await classThread('First');
      const other = await classThread('Second');
      const foreign = await replyOf(school.classmate, other.id);
      const res = await as(school.student).reply(t.id, 'answering', foreign).expect(422);
      expect(res.body.error.code).to.equal('NOT_A_REPLY');
    });

    it('answers 404 to editing or deleting a reply that does not exist', async () => {
      await as(school.student).editReply(NO_SUCH_ID, 'x').expect(404);
      await as(school.student).removeReply(NO_SUCH_ID).expect(404);
    });

    it("answers 404 to editing a reply in another classroom's thread", async () => {
      const t = await classThread();
      const r = await replyOf(school.classmate, t.id);
      await as(school.outsider).editReply(r, 'mine now').expect(404);
    });

    it('refuses editing a deleted reply with 409 REPLY_DELETED', async () => {
      const t = await classThread();
      const r = await replyOf(school.classmate, t.id);
      await as(school.classmate).removeReply(r).expect(204);
      const res = await as(school.classmate).editReply(r, 'undo').expect(409);
      expect(res.body.error.code).to.equal('REPLY_DELETED');
    });

    it('refuses editing a reply of a locked thread with 409 THREAD_LOCKED', async () => {
      const t = await classThread();
      const r = await replyOf(school.classmate, t.id);
      await as(school.teacher).change(t.id, { locked: true }).expect(200);
      const res = await as(school.classmate).editReply(r, 'changed my mind').expect(409);
      expect(res.body.error.code).to.equal('THREAD_LOCKED');
    });

    it("refuses a classmate deleting someone else's reply with 403", async () => {
      const t = await classThread();
      const r = await replyOf(school.classmate, t.id);
      await as(school.student).removeReply(r).expect(403);
    });

    it("lets the classroom's teacher delete a reply, which then stops being the accepted answer", async () => {
      const t = await classThread();
      const r = await replyOf(school.classmate, t.id);
      await as(school.student).change(t.id, { acceptedReplyId: r }).expect(200);
      await as(school.teacher).removeReply(r).expect(204);
      const thread = (await as(school.student).get(t.id).expect(200)).body.data;
      expect(thread).to.include({ acceptedReplyId: null, replyCount: 0 });
    });

    it('answers 204 to deleting a reply twice and counts it once', async () => {
      const t = await classThread();
      const r = await replyOf(school.classmate, t.id);
      await replyOf(school.student, t.id, 'another');
      await as(school.classmate).removeReply(r).expect(204);
      await as(school.classmate).removeReply(r).expect(204);
      expect((await as(school.student).get(t.id).expect(200)).body.data.replyCount).to.equal(1);
    });
  });
});
