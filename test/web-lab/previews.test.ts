import { expect } from 'chai';
import request from 'supertest';
import { app, isolatedApp } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { BASE, PASSING, html, text } from './helpers';

/** Signed previews serving each kind of file a project holds: folders, images, unknown types, missing paths. */
describe('web lab: previews of every file of a version', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  let versionId: string;
  let path: string;
  const PNG = PASSING.find((f) => f.path === 'img/logo.png')!;

  before(async () => {
    app();
    school = await createSchool();
    const assignment = await request(app())
      .post(`${BASE}/assignments`)
      .set(bearer(school.teacher))
      .send({
        title: 'Preview files',
        description: 'x',
        classroomId: school.classroom.id,
        dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        points: 100,
        checks: [],
        published: true,
      })
      .expect(201);
    const files = [...PASSING, text('about/index.html', html('<h1>About</h1>')), text('notes.csv', 'a,b\n')];
    const version = await request(app())
      .post(`${BASE}/submissions`)
      .set(bearer(school.student))
      .send({ assignmentId: assignment.body.data.id, files })
      .expect(202);
    versionId = version.body.data.id;
    path = (await request(app()).post(`${BASE}/submissions/${versionId}/preview`).set(bearer(school.student)).expect(201)).body.data.path;
  });

  const prefix = () => path.replace(/\/index\.html$/, '');

  it('serves index.html for the bare signed prefix', async () => {
    const res = await request(app()).get(prefix()).expect(200);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.text).to.include('<h1>Portofolio</h1>');
  });

  it("serves a folder's index.html for a path ending in a slash", async () => {
    const res = await request(app()).get(`${prefix()}/about/`).expect(200);
    expect(res.text).to.include('<h1>About</h1>');
  });

  it('serves an image stored as base64 as its bytes, with its type', async () => {
    const res = await request(app()).get(`${prefix()}/img/logo.png`).buffer(true).expect(200);
    expect(res.headers['content-type']).to.equal('image/png');
    expect(Buffer.compare(res.body as Buffer, Buffer.from(PNG.content, 'base64'))).to.equal(0);
  });

  it('serves a file of a type it does not name as application/octet-stream', async () => {
    const res = await request(app()).get(`${prefix()}/notes.csv`).buffer(true).expect(200);
    expect(res.headers['content-type']).to.equal('application/octet-stream');
  });

  it('answers 404 for a path the version does not hold', async () => {
    await request(app()).get(`${prefix()}/missing.html`).expect(404);
    await request(app()).get(`${prefix()}/img/`).expect(404);
  });

  it('names the frame ancestors set in PREVIEW_FRAME_ANCESTORS, once each, instead of the app and CORS origins', async () => {
    const { app: other } = isolatedApp({ PREVIEW_FRAME_ANCESTORS: 'https://lms.sekolah.id/path,https://lms.sekolah.id,https://guru.sekolah.id' });
    const res = await request(other).get(path).expect(200);
    expect(res.headers['content-security-policy']).to.match(/frame-ancestors https:\/\/lms\.sekolah\.id https:\/\/guru\.sekolah\.id(;|$)/);
  });
});
