import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { Announcement, StoredFile, type User } from '../../common/models';
import { realPng } from '../files/fixtures';

type School = Awaited<ReturnType<typeof createSchool>>;

/** What staff see and change beyond the published list: unpublished work, full edits, pictures replaced. */
describe('announcements: staff editing', () => {
  let s: School;
  const tag = `se${Date.now().toString(36)}`;

  before(async () => {
    s = await createSchool();
  });

  const create = (user: User, body: Record<string, unknown>) =>
    request(app())
      .post('/api/v2/announcements')
      .set(bearer(user))
      .send({ category: 'event', content: 'Isi', ...body });
  const patch = (user: User, id: string, body: Record<string, unknown>) =>
    request(app()).patch(`/api/v2/announcements/${id}`).set(bearer(user)).send(body);
  const allTitles = async (user: User) => {
    const res = await request(app()).get('/api/v2/announcements?status=all&pageSize=100').set(bearer(user)).expect(200);
    return (res.body.data as Array<{ title: string }>).map((a) => a.title).filter((t) => t.startsWith(tag));
  };
  const uploadImage = async (user: User, width: number) =>
    (
      await request(app())
        .post('/api/v2/upload')
        .set(bearer(user))
        .field('purpose', 'editor-image')
        .attach('file', await realPng(width, 40), 'p.png')
        .expect(201)
    ).body.data.id as string;
  const isPublished = async (fileId: string) =>
    ((await apiDeps().sequelize.query('SELECT 1 FROM published_files WHERE file_id = :fileId', { replacements: { fileId } }))[0] as unknown[])
      .length > 0;

  describe('listing unpublished announcements (status=all)', () => {
    before(async () => {
      await create(s.teacher, { title: `${tag} own draft`, classroomId: s.classroom.id, active: false }).expect(201);
      await create(s.otherTeacher, { title: `${tag} their draft`, classroomId: s.other.id, active: false }).expect(201);
      await create(s.admin, { title: `${tag} school later`, publishAt: new Date(Date.now() + 86_400_000) }).expect(201);
      await create(s.admin, { title: `${tag} school now` }).expect(201);
    });

    it('refuses a student with 403', async () => {
      await request(app()).get('/api/v2/announcements?status=all').set(bearer(s.student)).expect(403);
    });

    it('refuses an anonymous caller with 403', async () => {
      await request(app()).get('/api/v2/announcements?status=all').expect(403);
    });

    it("shows a teacher the published ones and the unpublished ones of their own classrooms, not another's", async () => {
      expect(await allTitles(s.teacher)).to.have.members([`${tag} own draft`, `${tag} school now`]);
    });

    it('shows an admin every announcement, published or not', async () => {
      expect(await allTitles(s.admin)).to.have.members([`${tag} own draft`, `${tag} their draft`, `${tag} school later`, `${tag} school now`]);
    });
  });

  describe('reading an unpublished announcement', () => {
    it('lets its manager read it, marked unpublished, without counting a view', async () => {
      const id = (await create(s.teacher, { title: `${tag} inactive`, classroomId: s.classroom.id, active: false }).expect(201)).body.data.id;
      const res = await request(app()).get(`/api/v2/announcements/${id}`).set(bearer(s.teacher)).expect(200);
      expect(res.body.data).to.include({ published: false, viewCount: 0 });
      expect((await Announcement.findByPk(id))!.viewCount).to.equal(0);
    });

    it('answers 404 to a student of that classroom', async () => {
      const id = (await create(s.teacher, { title: `${tag} inactive 2`, classroomId: s.classroom.id, active: false }).expect(201)).body.data.id;
      await request(app()).get(`/api/v2/announcements/${id}`).set(bearer(s.student)).expect(404);
    });

    it('queues no publishing job for an inactive announcement', async () => {
      const res = await create(s.admin, { title: `${tag} never`, active: false }).expect(201);
      const id = res.body.data.id as string;
      const job = await apiDeps().queues.site.getJob(`announcement-${id}-${new Date(res.body.data.publishAt).getTime()}`);
      expect(job).to.equal(undefined);
    });
  });

  describe('editing', () => {
    it('changes every field sent in one patch and stores an empty excerpt as none', async () => {
      const id = (await create(s.admin, { title: `${tag} full`, excerpt: 'Ringkas' }).expect(201)).body.data.id;
      const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const publishAt = new Date(Date.now() - 60_000).toISOString();
      const res = await patch(s.admin, id, {
        title: `${tag} full edited`,
        excerpt: '',
        category: 'system',
        important: true,
        active: true,
        showOnHomepage: true,
        deadline,
        link: 'https://example.org/info',
        publishAt,
        classroomId: s.classroom.id,
      }).expect(200);
      expect(res.body.data).to.include({
        title: `${tag} full edited`,
        excerpt: null,
        category: 'system',
        important: true,
        active: true,
        showOnHomepage: true,
        deadline,
        link: 'https://example.org/info',
        publishAt,
        classroomId: s.classroom.id,
      });
      const row = (await Announcement.findByPk(id))!;
      expect(row.excerpt).to.equal(null);
      expect(row.classroomId).to.equal(s.classroom.id);
    });

    it('answers 404 to a teacher moving their announcement to a classroom they do not teach, and leaves it in place', async () => {
      const id = (await create(s.teacher, { title: `${tag} stay`, classroomId: s.classroom.id }).expect(201)).body.data.id;
      await patch(s.teacher, id, { classroomId: s.other.id }).expect(404);
      expect((await Announcement.findByPk(id))!.classroomId).to.equal(s.classroom.id);
    });

    it('refuses a teacher making their announcement school-wide with 403', async () => {
      const id = (await create(s.teacher, { title: `${tag} widen`, classroomId: s.classroom.id }).expect(201)).body.data.id;
      await patch(s.teacher, id, { classroomId: null }).expect(403);
    });

    it('answers 404 to an admin writing for a classroom that does not exist', async () => {
      const res = await create(s.admin, { title: `${tag} ghost class`, classroomId: '00000000-0000-4000-8000-000000000000' });
      expect(res.status).to.equal(404);
      expect(await Announcement.count({ where: { title: `${tag} ghost class` } })).to.equal(0);
    });

    it('answers 404 to an admin deleting an announcement that does not exist', async () => {
      await request(app()).delete('/api/v2/announcements/00000000-0000-4000-8000-000000000000').set(bearer(s.admin)).expect(404);
    });
  });

  describe('pictures', () => {
    it('publishes a replacing picture and withdraws the one it replaced', async () => {
      const first = await uploadImage(s.admin, 70);
      const second = await uploadImage(s.admin, 71);
      const id = (await create(s.admin, { title: `${tag} swap`, imageFileId: first }).expect(201)).body.data.id;
      const res = await patch(s.admin, id, { imageFileId: second }).expect(200);
      expect(res.body.data.imageFileId).to.equal(second);
      expect(await isPublished(second)).to.equal(true);
      expect(await isPublished(first)).to.equal(false);
    });

    it('withdraws the picture from the public path when the announcement is deleted', async () => {
      const file = await uploadImage(s.admin, 72);
      const id = (await create(s.admin, { title: `${tag} gone`, imageFileId: file }).expect(201)).body.data.id;
      expect(await isPublished(file)).to.equal(true);
      await request(app()).delete(`/api/v2/announcements/${id}`).set(bearer(s.admin)).expect(204);
      expect(await isPublished(file)).to.equal(false);
    });

    it('keeps a picture public while another announcement still shows it', async () => {
      const file = await uploadImage(s.admin, 73);
      const a = (await create(s.admin, { title: `${tag} shared a`, imageFileId: file }).expect(201)).body.data.id;
      await create(s.admin, { title: `${tag} shared b`, imageFileId: file }).expect(201);
      await request(app()).delete(`/api/v2/announcements/${a}`).set(bearer(s.admin)).expect(204);
      expect(await isPublished(file)).to.equal(true);
    });

    it('refuses an image the file checks rejected with 422', async () => {
      const file = await uploadImage(s.admin, 74);
      await StoredFile.update({ status: 'rejected' }, { where: { id: file } });
      const res = await create(s.admin, { title: `${tag} rejected`, imageFileId: file });
      expect(res.status).to.equal(422);
      expect(res.body.error.code).to.equal('NOT_AN_IMAGE');
    });

    it("lets an admin use another user's image as the picture", async () => {
      const file = await uploadImage(s.teacher, 75);
      const res = await create(s.admin, { title: `${tag} borrowed`, imageFileId: file }).expect(201);
      expect(res.body.data.image.url).to.match(/^\/api\/v2\/public\/files\/[0-9a-f]{64}\/original$/);
    });
  });
});
