import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { seedCommunity } from '../../scripts/seed/community';

describe('demo data: notifications, chat and the forum', () => {
  it('gives the first student a channel, a conversation, a thread with an accepted answer and one unread notification, all readable through the API', async () => {
    const school = await createSchool();
    const budi = await createUser({ classroomId: school.classroom.id });
    await apiDeps().sequelize.transaction((transaction) =>
      seedCommunity(
        { admin: school.admin, teachers: [school.teacher], classrooms: [school.classroom], students: [school.student, budi] },
        transaction,
      ),
    );
    const conversations = (await request(app()).get('/api/v2/chat/conversations').set(bearer(school.student)).expect(200)).body.data as Array<{
      kind: string;
    }>;
    expect(conversations.map((c) => c.kind).sort()).to.deep.equal(['classroom', 'direct']);
    const threads = (
      await request(app()).get(`/api/v2/discussion/threads?classroomId=${school.classroom.id}`).set(bearer(school.student)).expect(200)
    ).body.data as Array<{ acceptedReplyId: string | null; html: string }>;
    expect(threads).to.have.length(1);
    expect(threads[0]!.acceptedReplyId).to.be.a('string');
    expect(threads[0]!.html).to.include('<pre><code class="language-python">');
    const unread = await request(app()).get('/api/v2/notifications?unread=true').set(bearer(school.student)).expect(200);
    expect(unread.body.meta.total).to.equal(1);
    const desk = (await request(app()).get('/api/v2/chat/support?status=open').set(bearer(school.admin)).expect(200)).body.data as Array<{
      createdBy: string;
    }>;
    expect(desk.map((c) => c.createdBy)).to.include(budi.id);
  });
});
