import { expect } from 'chai';
import request from 'supertest';
import { app, apiDeps, isolatedApp } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import { GalleryItem, StoredFile } from '../../common/models';
import { createGradedSubmission } from '../ai/fixtures';
import { asUpload, realPng } from '../files/fixtures';
import { FileService } from '../../api/files/service';
import { TEST_ENV } from '../support/env';

type School = Awaited<ReturnType<typeof createSchool>>;

describe('GET /public/home', () => {
  let s: School;
  const tag = `h${Date.now().toString(36)}`;
  const figuresKey = () => `${apiDeps().config.redis.prefix}public:home:figures`;
  const forgetFigures = () => apiDeps().redis.del(figuresKey());
  const home = () => request(app()).get('/api/v2/public/home');

  const announce = (body: Record<string, unknown>) =>
    request(app())
      .post('/api/v2/announcements')
      .set(bearer(s.admin))
      .send({ category: 'system', content: 'Isi', showOnHomepage: true, ...body });

  before(async () => {
    s = await createSchool();
    await announce({ title: `${tag} on home` });
    await announce({ title: `${tag} not on home`, showOnHomepage: false });
    await announce({ title: `${tag} class`, classroomId: s.classroom.id });
    await announce({ title: `${tag} event`, category: 'event', deadline: new Date(Date.now() + 7 * 86_400_000) });
    await announce({ title: `${tag} past event`, category: 'event', deadline: new Date(Date.now() - 86_400_000) });
    await announce({ title: `${tag} scheduled`, publishAt: new Date(Date.now() + 3_600_000) });
    const file = await new FileService(apiDeps()).store({
      ownerId: s.admin.id,
      upload: asUpload('home.png', await realPng(33, 33)),
      allowedTypes: ['png'],
      maxBytes: 1_000_000,
    });
    await GalleryItem.create({ title: `${tag} picture`, fileId: file.id, showOnHomepage: true });
    await GalleryItem.create({ title: `${tag} not on home`, fileId: file.id });
  });

  const titles = (list: Array<{ title: string }>) => list.map((x) => x.title).filter((t) => t.startsWith(tag));

  it('has the published school-wide announcements marked for the homepage', async () => {
    const res = await home();
    expect(res.status).to.equal(200);
    expect(titles(res.body.data.announcements)).to.deep.equal([`${tag} on home`]);
  });

  it('has the upcoming homepage events apart', async () => {
    expect(titles((await home()).body.data.events)).to.deep.equal([`${tag} event`]);
  });

  it('has the homepage gallery pictures with public URLs', async () => {
    const gallery = (await home()).body.data.gallery as Array<{ title: string; image: { url: string } }>;
    expect(titles(gallery)).to.deep.equal([`${tag} picture`]);
    const sha = (await StoredFile.findOne({ where: { ownerId: s.admin.id } }))!.sha256;
    expect(gallery.find((g) => g.title === `${tag} picture`)!.image.url).to.equal(`/api/v2/public/files/${sha}/original`);
  });

  it('counts active students and the classes they are in', async () => {
    await forgetFigures();
    const { figures } = (await home()).body.data;
    const [[row]] = (await apiDeps().sequelize.query(
      `SELECT count(*)::int AS students, count(DISTINCT classroom_id)::int AS classes FROM users
        WHERE role = 'student' AND status = 'active' AND deleted_at IS NULL`,
    )) as [Array<{ students: number; classes: number }>, unknown];
    expect(figures.students).to.equal(row!.students);
    expect(figures.activeClasses).to.equal(row!.classes);
  });

  it('counts a coding task solved this month once per student and task', async () => {
    await forgetFigures();
    const before = (await home()).body.data.figures.codingTasksSolvedThisMonth as number;
    const { submission } = await createGradedSubmission(s.student);
    await submission.update({ verdict: 'accepted' });
    await forgetFigures();
    expect((await home()).body.data.figures.codingTasksSolvedThisMonth).to.equal(before + 1);
  });

  it('keeps the figures for a minute instead of counting on every request', async () => {
    await forgetFigures();
    const first = (await home()).body.data.figures;
    await createUser({ role: 'student', classroomId: s.classroom.id });
    const second = (await home()).body.data.figures;
    expect(second).to.deep.equal(first);
    expect(await apiDeps().redis.ttl(figuresKey())).to.be.within(1, 60);
    await forgetFigures();
    expect((await home()).body.data.figures.students).to.equal(first.students + 1);
  });

  it('answers 304 to an unchanged If-None-Match', async () => {
    const first = await home();
    const again = await request(app()).get('/api/v2/public/home').set('If-None-Match', first.headers.etag!);
    expect(again.status).to.equal(304);
    expect(first.headers['cache-control']).to.equal('public, max-age=60');
  });

  it('is compressed for clients that accept gzip', async () => {
    const res = await request(app()).get('/api/v2/public/home').set('Accept-Encoding', 'gzip');
    expect(res.headers['content-encoding']).to.equal('gzip');
  });
});

describe('the anonymous rate limit of public routes', () => {
  // its own Redis prefix: the suite's other anonymous requests count under the shared one
  const { app: limited } = isolatedApp({ PUBLIC_RATE_LIMIT_MAX: '2', REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}limited:` });
  let user: Awaited<ReturnType<typeof createUser>>;
  before(async () => {
    user = await createUser();
  });

  it('refuses an anonymous client past its per-IP limit with 429', async () => {
    expect((await request(limited).get('/api/v2/public/home')).status).to.equal(200);
    expect((await request(limited).get('/api/v2/announcements')).status).to.equal(200);
    const res = await request(limited).get('/api/v2/gallery');
    expect(res.status).to.equal(429);
    expect(res.headers['retry-after']).to.match(/^\d+$/);
  });

  it('does not count signed-in callers against it', async () => {
    expect((await request(limited).get('/api/v2/announcements').set(bearer(user))).status).to.equal(200);
  });
});

describe('the in-memory copy of anonymous public answers (PUBLIC_CACHE_SECONDS)', () => {
  const { app: keeping } = isolatedApp({
    PUBLIC_CACHE_SECONDS: '60',
    TRUST_PROXY: '1',
    REDIS_PREFIX: `${TEST_ENV.REDIS_PREFIX}keeping:`,
  });
  let admin: Awaited<ReturnType<typeof createUser>>;
  before(async () => {
    admin = await createUser({ role: 'admin' });
  });
  const post = (title: string) =>
    request(app()).post('/api/v2/announcements').set(bearer(admin)).send({ title, category: 'system', content: 'x', important: true });

  it('answers repeated anonymous requests from memory, without reading what changed since', async () => {
    await post('before the copy');
    const first = await request(keeping).get('/api/v2/announcements?pageSize=5');
    await post('after the copy');
    const again = await request(keeping).get('/api/v2/announcements?pageSize=5');
    expect(again.headers.etag).to.equal(first.headers.etag);
    expect(again.body.data.map((a: { title: string }) => a.title)).not.to.include('after the copy');
  });

  it('answers signed-in callers afresh', async () => {
    const res = await request(keeping).get('/api/v2/announcements?pageSize=5').set(bearer(admin));
    expect(res.body.data.map((a: { title: string }) => a.title)).to.include('after the copy');
  });

  it('still answers 304 to a matching If-None-Match', async () => {
    const first = await request(keeping).get('/api/v2/public/home');
    const again = await request(keeping).get('/api/v2/public/home').set('If-None-Match', first.headers.etag!);
    expect(again.status).to.equal(304);
  });

  it('never keeps a single announcement, whose reads are counted', async () => {
    const created = await post('counted');
    const id = created.body.data.id as string;
    await request(keeping).get(`/api/v2/announcements/${id}`).set('X-Forwarded-For', '10.0.0.1');
    await request(keeping).get(`/api/v2/announcements/${id}`).set('X-Forwarded-For', '10.0.0.2');
    const res = await request(keeping).get(`/api/v2/announcements/${id}`).set(bearer(admin));
    expect(res.body.data.viewCount).to.equal(3);
  });
});
