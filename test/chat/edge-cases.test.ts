import request from 'supertest';
import { expect } from 'chai';
import { app } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { ChatMessage, User } from '../../common/models';

type School = Awaited<ReturnType<typeof createSchool>>;

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

const api = (u: User) => ({
  start: (body: Record<string, unknown>) => request(app()).post('/api/v2/chat/conversations').set(bearer(u)).send(body),
  post: (conversationId: string, body: string) => request(app()).post('/api/v2/chat/messages').set(bearer(u)).send({ conversationId, body }),
  messages: (id: string, query = '') => request(app()).get(`/api/v2/chat/conversations/${id}/messages${query}`).set(bearer(u)),
  list: (query = '') => request(app()).get(`/api/v2/chat/conversations${query}`).set(bearer(u)),
  get: (id: string) => request(app()).get(`/api/v2/chat/conversations/${id}`).set(bearer(u)),
  edit: (id: string, body: string) => request(app()).put(`/api/v2/chat/messages/${id}`).set(bearer(u)).send({ body }),
  remove: (id: string) => request(app()).delete(`/api/v2/chat/messages/${id}`).set(bearer(u)),
  support: (query = '') => request(app()).get(`/api/v2/chat/support${query}`).set(bearer(u)),
  supportUpdate: (id: string, body: Record<string, unknown>) => request(app()).patch(`/api/v2/chat/support/${id}`).set(bearer(u)).send(body),
});

/** Chat's refusals and corners: the support desk's ball, cursors that name nothing, authors who left. */
describe('chat: edge cases', function () {
  this.timeout(20_000);
  let school: School;
  beforeEach(async () => {
    app();
    school = await createSchool();
  });

  describe('support desk', () => {
    it('refuses an admin opening a support conversation with 403', async () => {
      await api(school.admin).start({ kind: 'support', subject: 'Admins answer' }).expect(403);
    });

    it('opens a support conversation with normal priority unless told otherwise', async () => {
      const res = await api(school.teacher).start({ kind: 'support', subject: 'Projector' }).expect(201);
      expect(res.body.data).to.include({ kind: 'support', status: 'open', priority: 'normal' });
    });

    it("puts a waiting support conversation back to open when the requester answers the admin's reply", async () => {
      const id = (await api(school.student).start({ kind: 'support', subject: 'Login' }).expect(201)).body.data.id as string;
      await api(school.admin).post(id, 'Did you try again?').expect(201);
      expect((await api(school.student).get(id).expect(200)).body.data.status).to.equal('waiting');
      await api(school.student).post(id, 'Yes, still failing').expect(201);
      expect((await api(school.student).get(id).expect(200)).body.data.status).to.equal('open');
    });

    it('lists every support conversation, whatever its status, when no status is asked for', async () => {
      const open = (await api(school.student).start({ kind: 'support', subject: 'One' }).expect(201)).body.data.id as string;
      const closed = (await api(school.classmate).start({ kind: 'support', subject: 'Two' }).expect(201)).body.data.id as string;
      await api(school.admin).supportUpdate(closed, { status: 'closed' }).expect(200);
      const res = await api(school.admin).support('?pageSize=100').expect(200);
      expect((res.body.data as { id: string }[]).map((c) => c.id)).to.include.members([open, closed]);
      const onlyOpen = await api(school.admin).support('?status=open&pageSize=100').expect(200);
      expect((onlyOpen.body.data as { id: string }[]).map((c) => c.id)).not.to.include(closed);
    });

    it('answers 404 to updating a direct conversation or one that does not exist through the support desk', async () => {
      const dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id }).expect(201)).body.data.id as string;
      await api(school.admin).supportUpdate(dm, { status: 'closed' }).expect(404);
      await api(school.admin).supportUpdate(NO_SUCH_ID, { status: 'closed' }).expect(404);
    });

    it('refuses to assign a support conversation to a suspended admin (422 ASSIGNEE_NOT_ADMIN)', async () => {
      const id = (await api(school.student).start({ kind: 'support', subject: 'Help' }).expect(201)).body.data.id as string;
      const away = await createUser({ role: 'admin', status: 'suspended' });
      const res = await api(school.admin).supportUpdate(id, { assigneeId: away.id }).expect(422);
      expect(res.body.error.code).to.equal('ASSIGNEE_NOT_ADMIN');
    });
  });

  describe('who may be reached', () => {
    it('answers 404 to a direct conversation with yourself', async () => {
      await api(school.teacher).start({ kind: 'direct', userId: school.teacher.id }).expect(404);
    });

    it('answers 404 to a direct conversation with a suspended user, even for an admin', async () => {
      const away = await createUser({ role: 'teacher', status: 'suspended' });
      await api(school.admin).start({ kind: 'direct', userId: away.id }).expect(404);
    });

    it('answers 404 to a direct conversation with a user who does not exist', async () => {
      await api(school.admin).start({ kind: 'direct', userId: NO_SUCH_ID }).expect(404);
    });

    it("lets an admin open any classroom's channel", async () => {
      const res = await api(school.admin).start({ kind: 'classroom', classroomId: school.other.id });
      expect(res.status).to.be.oneOf([200, 201]);
      expect(res.body.data).to.include({ kind: 'classroom', classroomId: school.other.id });
    });

    it('answers 404 to a teacher messaging a student who has no classroom', async () => {
      const loner = await createUser({ role: 'student' });
      await api(school.teacher).start({ kind: 'direct', userId: loner.id }).expect(404);
    });
  });

  describe('conversation lists', () => {
    it('still gives the total on a page past the end', async () => {
      await api(school.student).start({ kind: 'direct', userId: school.teacher.id }).expect(201);
      const first = await api(school.student).list('?pageSize=100').expect(200);
      const past = await api(school.student).list('?page=50&pageSize=100').expect(200);
      expect(past.body.data).to.deep.equal([]);
      expect(past.body.meta.total).to.equal(first.body.meta.total);
      expect(past.body.meta.total).to.be.at.least(2);
    });

    it('lists for a student without a classroom their direct conversations and no classroom channel', async () => {
      const loner = await createUser({ role: 'student' });
      await api(school.admin).start({ kind: 'direct', userId: loner.id }).expect(201);
      const res = await api(loner).list().expect(200);
      expect((res.body.data as { kind: string }[]).map((c) => c.kind)).to.deep.equal(['direct']);
    });

    it("shows an admin every classroom's channel and every support conversation", async () => {
      const channel = (await api(school.student).start({ kind: 'classroom', classroomId: school.classroom.id })).body.data.id as string;
      const ticket = (await api(school.outsider).start({ kind: 'support', subject: 'Mine' }).expect(201)).body.data.id as string;
      const res = await api(school.admin).list('?pageSize=100').expect(200);
      expect((res.body.data as { id: string }[]).map((c) => c.id)).to.include.members([channel, ticket]);
    });
  });

  describe('messages', () => {
    let dm: string;
    beforeEach(async () => {
      dm = (await api(school.student).start({ kind: 'direct', userId: school.teacher.id }).expect(201)).body.data.id as string;
    });

    it('answers 404 to a before cursor naming no message of the conversation', async () => {
      const elsewhere = (await api(school.teacher).start({ kind: 'direct', userId: school.classmate.id }).expect(201)).body.data.id as string;
      const foreign = (await api(school.teacher).post(elsewhere, 'elsewhere').expect(201)).body.data.id as string;
      await api(school.student).messages(dm, `?before=${NO_SUCH_ID}`).expect(404);
      await api(school.student).messages(dm, `?before=${foreign}`).expect(404);
    });

    it('answers 204 to deleting a message twice, and it stays deleted', async () => {
      const m = (await api(school.student).post(dm, 'oops').expect(201)).body.data.id as string;
      await api(school.student).remove(m).expect(204);
      await api(school.student).remove(m).expect(204);
      expect((await ChatMessage.findByPk(m))!.deletedAt).to.be.instanceOf(Date);
    });

    it('answers 404 to editing or deleting a message that does not exist', async () => {
      await api(school.student).edit(NO_SUCH_ID, 'x').expect(404);
      await api(school.student).remove(NO_SUCH_ID).expect(404);
    });

    it('answers 404 to a student who left the classroom editing their message in its channel', async () => {
      const channel = (await api(school.student).start({ kind: 'classroom', classroomId: school.classroom.id })).body.data.id as string;
      const m = (await api(school.student).post(channel, 'before I moved').expect(201)).body.data.id as string;
      await User.update({ classroomId: school.other.id }, { where: { id: school.student.id } });
      await api(school.student).edit(m, 'after I moved').expect(404);
      expect((await ChatMessage.findByPk(m))!.body).to.equal('before I moved');
    });
  });
});
