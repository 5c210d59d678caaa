import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import type { Job, Worker } from 'bullmq';
import { app, apiDeps, testWorkerDeps } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { Announcement, Notification } from '../../common/models';
import type { NotificationJob } from '../../common/queues';
import { createNotificationsProcessor } from '../../worker/notifications/processor';
import { startQueueWorker, closeWorkers } from '../../worker/queue-worker';
import { siteProcessor } from '../../worker/site';
import { notifyAnnouncementAudience, publishAnnouncement } from '../../worker/site/publish-announcement';
import { realPdf, realPng } from '../files/fixtures';
import { until } from '../support/until';

type School = Awaited<ReturnType<typeof createSchool>>;

describe('announcements', () => {
  let s: School;
  const tag = `t${Date.now().toString(36)}`;

  before(async () => {
    s = await createSchool();
  });

  const create = (user: School['admin'], body: Record<string, unknown>) =>
    request(app())
      .post('/api/v2/announcements')
      .set(bearer(user))
      .send({ category: 'event', content: 'Isi', ...body });

  const titlesFor = async (headers: Record<string, string>, query = '') => {
    const res = await request(app()).get(`/api/v2/announcements?pageSize=100${query}`).set(headers);
    expect(res.status).to.equal(200);
    return (res.body.data as Array<{ title: string }>).map((a) => a.title).filter((t) => t.startsWith(tag));
  };

  describe('scope', () => {
    before(async () => {
      expect((await create(s.admin, { title: `${tag} school` })).status).to.equal(201);
      expect((await create(s.teacher, { title: `${tag} own class`, classroomId: s.classroom.id })).status).to.equal(201);
      expect((await create(s.otherTeacher, { title: `${tag} other class`, classroomId: s.other.id })).status).to.equal(201);
    });

    it('shows anonymous callers the school-wide announcements only', async () => {
      expect(await titlesFor({})).to.have.members([`${tag} school`]);
    });

    it("shows a student the school-wide ones and their own classroom's", async () => {
      expect(await titlesFor(bearer(s.student))).to.have.members([`${tag} school`, `${tag} own class`]);
    });

    it("answers 404 to a student reading another classroom's announcement", async () => {
      const other = await Announcement.findOne({ where: { title: `${tag} other class` } });
      const res = await request(app()).get(`/api/v2/announcements/${other!.id}`).set(bearer(s.student));
      expect(res.status).to.equal(404);
    });

    it('answers 404 to an anonymous caller reading a classroom announcement', async () => {
      const own = await Announcement.findOne({ where: { title: `${tag} own class` } });
      expect((await request(app()).get(`/api/v2/announcements/${own!.id}`)).status).to.equal(404);
    });

    it('shows an admin every announcement', async () => {
      expect(await titlesFor(bearer(s.admin))).to.include.members([`${tag} school`, `${tag} own class`, `${tag} other class`]);
    });
  });

  describe('writing', () => {
    it('refuses a teacher a school-wide announcement with 403', async () => {
      expect((await create(s.teacher, { title: `${tag} nope` })).status).to.equal(403);
    });

    it('answers 404 to a teacher writing for a classroom they do not teach', async () => {
      expect((await create(s.teacher, { title: `${tag} nope`, classroomId: s.other.id })).status).to.equal(404);
    });

    it('refuses students with 403', async () => {
      expect((await create(s.student, { title: `${tag} nope` })).status).to.equal(403);
    });

    it('refuses unknown fields with 400', async () => {
      const res = await create(s.admin, { title: `${tag} x`, viewCount: 99 });
      expect(res.status).to.equal(400);
      expect(res.body.error.details[0].field).to.equal('viewCount');
    });

    it("answers 404 to a teacher editing another classroom's announcement", async () => {
      const created = await create(s.otherTeacher, { title: `${tag} theirs`, classroomId: s.other.id });
      const res = await request(app()).patch(`/api/v2/announcements/${created.body.data.id}`).set(bearer(s.teacher)).send({ title: 'mine' });
      expect(res.status).to.equal(404);
    });

    it('lets a teacher edit and delete their classroom announcement', async () => {
      const created = await create(s.teacher, { title: `${tag} edit me`, classroomId: s.classroom.id });
      const id = created.body.data.id;
      const patched = await request(app()).patch(`/api/v2/announcements/${id}`).set(bearer(s.teacher)).send({ content: '*baru*' });
      expect(patched.status).to.equal(200);
      expect(patched.body.data.contentHtml).to.equal('<p><em>baru</em></p>\n');
      expect((await request(app()).delete(`/api/v2/announcements/${id}`).set(bearer(s.teacher))).status).to.equal(204);
      expect(await Announcement.findByPk(id)).to.equal(null);
    });

    it('returns the Markdown content also as sanitised HTML', async () => {
      const res = await create(s.admin, {
        title: `${tag} html`,
        content: '**Penting** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>',
      });
      expect(res.body.data.contentHtml).to.include('<strong>Penting</strong>');
      expect(res.body.data.contentHtml).not.to.match(/<script|<img|<a /);
    });
  });

  describe('order and filters', () => {
    const order = `${tag}-order`;
    before(async () => {
      const day = 24 * 3600_000;
      await create(s.admin, { title: `${order} old`, category: 'system', publishAt: new Date(Date.now() - 3 * day) });
      await create(s.admin, { title: `${order} new`, category: 'system', publishAt: new Date(Date.now() - day) });
      await create(s.admin, { title: `${order} important old`, category: 'system', important: true, publishAt: new Date(Date.now() - 5 * day) });
      await create(s.admin, { title: `${order} class`, category: 'class', publishAt: new Date(Date.now() - day) });
    });

    it('lists important ones first, then the newest', async () => {
      const titles = (await titlesFor({}, '&category=system')).filter((t) => t.startsWith(order));
      expect(titles).to.deep.equal([`${order} important old`, `${order} new`, `${order} old`]);
    });

    it('filters by category', async () => {
      const titles = (await titlesFor({}, '&category=class')).filter((t) => t.startsWith(order));
      expect(titles).to.deep.equal([`${order} class`]);
    });

    it('pages with a total', async () => {
      const res = await request(app()).get('/api/v2/announcements?category=system&pageSize=1&page=2');
      expect(res.body.meta).to.include({ page: 2, pageSize: 1 });
      expect(res.body.meta.total).to.be.at.least(3);
      expect(res.body.data).to.have.length(1);
    });
  });

  describe('view counting', () => {
    let id: string;
    before(async () => {
      id = (await create(s.admin, { title: `${tag} views` })).body.data.id;
    });

    it('counts a signed-in reader once however often they read it that day', async () => {
      await request(app()).get(`/api/v2/announcements/${id}`).set(bearer(s.student));
      const again = await request(app()).get(`/api/v2/announcements/${id}`).set(bearer(s.student));
      expect(again.body.data.viewCount).to.equal(1);
    });

    it('counts a second reader', async () => {
      const res = await request(app()).get(`/api/v2/announcements/${id}`).set(bearer(s.classmate));
      expect(res.body.data.viewCount).to.equal(2);
    });

    it('counts an anonymous reader once per IP', async () => {
      await request(app()).get(`/api/v2/announcements/${id}`);
      await request(app()).get(`/api/v2/announcements/${id}`);
      expect((await Announcement.findByPk(id))!.viewCount).to.equal(3);
    });
  });

  describe('scheduled publishing', () => {
    const published: string[] = [];
    let worker: Worker | undefined;

    before(() => {
      const deps = testWorkerDeps();
      const definition = siteProcessor(deps, { notify: async (a) => void published.push(a.id) });
      worker = startQueueWorker(deps, 'site', definition, 1) as unknown as Worker;
    });
    after(async () => {
      if (worker) await closeWorkers([worker], 5000);
    });

    it('publishes an announcement dated now at once and notifies its audience once', async () => {
      const res = await create(s.admin, { title: `${tag} now` });
      await until(() => published.includes(res.body.data.id));
      expect((await Announcement.findByPk(res.body.data.id))!.notifiedAt).to.be.instanceOf(Date);
    });

    it('hides an announcement with a future publish date and queues its publishing for that date', async () => {
      const publishAt = new Date(Date.now() + 3600_000);
      const res = await create(s.admin, { title: `${tag} later`, publishAt });
      expect(await titlesFor({})).not.to.include(`${tag} later`);
      expect((await request(app()).get(`/api/v2/announcements/${res.body.data.id}`)).status).to.equal(404);
      const job = await apiDeps().queues.site.getJob(`announcement-${res.body.data.id}-${publishAt.getTime()}`);
      expect(job!.data).to.deep.equal({ kind: 'publish-announcement', announcementId: res.body.data.id, publishAt: publishAt.toISOString() });
      expect(job!.opts.delay).to.be.greaterThan(0);
    });

    it('shows the announcement and notifies once its publish date has come', async () => {
      const res = await create(s.admin, { title: `${tag} soon`, publishAt: new Date(Date.now() + 1500) });
      expect(published).not.to.include(res.body.data.id);
      await until(() => published.includes(res.body.data.id));
      expect(await titlesFor({})).to.include(`${tag} soon`);
    });

    it('ignores the job of a publish date that was moved', async () => {
      const first = new Date(Date.now() + 3600_000);
      const res = await create(s.admin, { title: `${tag} moved`, publishAt: first });
      await request(app())
        .patch(`/api/v2/announcements/${res.body.data.id}`)
        .set(bearer(s.admin))
        .send({ publishAt: new Date(Date.now() + 7200_000) });
      const outcome = await publishAnnouncement(res.body.data.id, first.toISOString(), async () => undefined);
      expect(outcome.outcome).to.equal('stale');
    });

    it('does nothing for an announcement already published', async () => {
      const res = await create(s.admin, { title: `${tag} twice` });
      await until(() => published.includes(res.body.data.id));
      const outcome = await publishAnnouncement(res.body.data.id, res.body.data.publishAt, async () => {
        throw new Error('notified twice');
      });
      expect(outcome.outcome).to.equal('already-published');
    });
  });

  describe('pictures', () => {
    const uploadAs = async (user: School['admin'], content: Buffer, name: string, purpose = 'editor-image') =>
      (await request(app()).post('/api/v2/upload').set(bearer(user)).field('purpose', purpose).attach('file', content, name)).body.data as {
        id: string;
      };
    const isPublished = async (fileId: string) =>
      ((await apiDeps().sequelize.query('SELECT 1 FROM published_files WHERE file_id = :fileId', { replacements: { fileId } }))[0] as unknown[])
        .length > 0;

    it('publishes an uploaded image set as the picture and answers its public URL', async () => {
      const png = await realPng(90, 60);
      const file = await uploadAs(s.admin, png, 'poster.png');
      const res = await create(s.admin, { title: `${tag} with picture`, imageFileId: file.id });
      expect(res.status).to.equal(201);
      const sha = crypto.createHash('sha256').update(png).digest('hex');
      expect(res.body.data.image.url).to.equal(`/api/v2/public/files/${sha}/original`);
      expect(await isPublished(file.id)).to.equal(true);
      const listed = await request(app()).get('/api/v2/announcements?pageSize=100');
      const item = listed.body.data.find((a: { id: string }) => a.id === res.body.data.id);
      expect(item.image.url).to.equal(`/api/v2/public/files/${sha}/original`);
    });

    it('withdraws the picture from the public path when it is removed', async () => {
      const file = await uploadAs(s.admin, await realPng(91, 60), 'poster.png');
      const created = await create(s.admin, { title: `${tag} picture removed`, imageFileId: file.id });
      const res = await request(app()).patch(`/api/v2/announcements/${created.body.data.id}`).set(bearer(s.admin)).send({ imageFileId: null });
      expect(res.body.data.image).to.equal(null);
      expect(await isPublished(file.id)).to.equal(false);
    });

    it("answers 404 to a teacher using someone else's file as a picture", async () => {
      const file = await uploadAs(s.student, await realPng(92, 60), 'mine.png');
      const res = await create(s.teacher, { title: `${tag} stolen`, classroomId: s.classroom.id, imageFileId: file.id });
      expect(res.status).to.equal(404);
      expect(await isPublished(file.id)).to.equal(false);
    });

    it('refuses a file that is not an image with 422', async () => {
      const file = await uploadAs(s.admin, realPdf(), 'x.pdf', 'attachment');
      const res = await create(s.admin, { title: `${tag} pdf`, imageFileId: file.id });
      expect(res.status).to.equal(422);
      expect(res.body.error.code).to.equal('NOT_AN_IMAGE');
    });
  });

  describe('HTTP caching and compression', () => {
    before(async () => {
      for (let i = 0; i < 6; i++) await create(s.admin, { title: `${tag} bulk ${i}`, content: 'Lorem ipsum dolor sit amet. '.repeat(20) });
    });

    it('sends an ETag and a public Cache-Control to anonymous callers', async () => {
      const res = await request(app()).get('/api/v2/announcements');
      expect(res.headers.etag).to.match(/^"/);
      expect(res.headers['cache-control']).to.equal('public, max-age=60');
    });

    it('answers 304 with no body when If-None-Match matches', async () => {
      const first = await request(app()).get('/api/v2/announcements');
      const again = await request(app()).get('/api/v2/announcements').set('If-None-Match', first.headers.etag!);
      expect(again.status).to.equal(304);
      expect(again.text).to.equal('');
    });

    it('answers 200 again once the list changed', async () => {
      const first = await request(app()).get('/api/v2/announcements');
      await create(s.admin, { title: `${tag} change`, important: true });
      const again = await request(app()).get('/api/v2/announcements').set('If-None-Match', first.headers.etag!);
      expect(again.status).to.equal(200);
    });

    it('marks answers to signed-in callers private', async () => {
      const res = await request(app()).get('/api/v2/announcements').set(bearer(s.student));
      expect(res.headers['cache-control']).to.equal('private, no-cache');
    });

    it('compresses a large JSON answer with gzip when the client accepts it', async () => {
      const res = await request(app()).get('/api/v2/announcements?pageSize=50').set('Accept-Encoding', 'gzip');
      expect(res.headers['content-encoding']).to.equal('gzip');
      expect(res.body.data.length).to.be.greaterThan(5);
    });

    it('compresses with brotli when the client prefers it', async () => {
      const res = await request(app()).get('/api/v2/announcements?pageSize=50').set('Accept-Encoding', 'br');
      expect(res.headers['content-encoding']).to.equal('br');
    });

    it('sends it uncompressed to a client that refuses encodings', async () => {
      const res = await request(app()).get('/api/v2/announcements?pageSize=50').set('Accept-Encoding', 'identity');
      expect(res.headers['content-encoding']).to.equal(undefined);
    });
  });

  describe('notifying the audience', () => {
    const notificationsOf = (userId: string) => Notification.findAll({ where: { userId, type: 'announcement' } });
    const runFanout = async (announcementId: string) => {
      const job = await apiDeps().queues.notifications.getJob(`announcement-${announcementId}`);
      expect(job, 'the fan-out job').to.not.equal(undefined);
      const processor = await createNotificationsProcessor(testWorkerDeps(), { deadlineEveryMs: 0 });
      const made = await processor.process(job as Job<NotificationJob, number>);
      await job!.remove();
      return made;
    };

    it("notifies a classroom announcement's students and teacher once each when it is published, and nobody else", async () => {
      const res = await create(s.teacher, { title: `${tag} trip`, excerpt: 'Bring water', classroomId: s.classroom.id }).expect(201);
      const publish = () => publishAnnouncement(res.body.data.id, res.body.data.publishAt, notifyAnnouncementAudience(testWorkerDeps()));
      expect((await publish()).outcome).to.equal('published');
      expect(await runFanout(res.body.data.id)).to.equal(3);
      for (const u of [s.student, s.classmate, s.teacher]) {
        expect((await notificationsOf(u.id)).map((n) => [n.title, n.body, n.link])).to.deep.equal([
          [`${tag} trip`, 'Bring water', `/announcements/${res.body.data.id}`],
        ]);
      }
      expect(await notificationsOf(s.outsider.id)).to.have.length(0);
      expect((await publish()).outcome).to.equal('already-published');
      expect(await apiDeps().queues.notifications.getJob(`announcement-${res.body.data.id}`)).to.equal(undefined);
    });

    it('fans a school-wide announcement out to the whole school', async () => {
      const res = await create(s.admin, { title: `${tag} holiday` }).expect(201);
      await publishAnnouncement(res.body.data.id, res.body.data.publishAt, notifyAnnouncementAudience(testWorkerDeps()));
      const job = await apiDeps().queues.notifications.getJob(`announcement-${res.body.data.id}`);
      expect(job?.data).to.deep.include({ kind: 'fanout', audience: { kind: 'school' } });
      await job?.remove();
    });
  });
});
