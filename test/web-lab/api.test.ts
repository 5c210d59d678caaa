import { expect } from 'chai';
import request from 'supertest';
import { apiDeps, app, isolatedApp } from '../support/deps';
import { bearer, createSchool } from '../support/factories';
import { lyingArchive, makeZip, zipBomb, zipSlipArchive } from '../support/zips';
import { BASE, CHECKS, PASSING, html, text } from './helpers';

describe('web lab: assignments, drafts, submissions, evaluations', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  let assignmentId: string;

  const assignmentBody = (overrides: Record<string, unknown> = {}) => ({
    title: 'Portofolio pribadi',
    description: 'Buat halaman **portofolio**.',
    classroomId: school.classroom.id,
    dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    points: 100,
    autoWeightPercent: 20,
    checks: CHECKS,
    starterFiles: [text('index.html', html('<h1>Nama</h1>'))],
    published: true,
    ...overrides,
  });

  before(async () => {
    app();
    school = await createSchool();
    const res = await request(app()).post(`${BASE}/assignments`).set(bearer(school.teacher)).send(assignmentBody()).expect(201);
    assignmentId = res.body.data.id;
  });

  describe('assignments', () => {
    it('gives a new assignment the five default rubric criteria', async () => {
      const res = await request(app()).get(`${BASE}/assignments/${assignmentId}`).set(bearer(school.teacher)).expect(200);
      expect(res.body.data.rubric.map((c: { key: string }) => c.key)).to.deep.equal(['html', 'css', 'js', 'quality', 'creativity']);
    });

    it("queues one notification fan-out to the classroom's students when it is published", async () => {
      const job = await apiDeps().queues.notifications.getJob(`web-published-${assignmentId}`);
      expect(job?.data).to.deep.include({ kind: 'fanout', audience: { kind: 'classroom', classroomId: school.classroom.id } });
    });

    it('lists a hidden check to a student without what it looks for', async () => {
      const res = await request(app()).get(`${BASE}/assignments/${assignmentId}`).set(bearer(school.student)).expect(200);
      const hidden = res.body.data.checks.find((c: { id: string }) => c.id === 'responsive');
      expect(hidden).to.deep.equal({ id: 'responsive', kind: 'media-query', title: 'A phone layout', points: 1, visibility: 'hide' });
    });

    it('lists the assignment to a student of its classroom', async () => {
      const res = await request(app()).get(`${BASE}/assignments`).set(bearer(school.student)).expect(200);
      expect(res.body.data.map((a: { id: string }) => a.id)).to.include(assignmentId);
    });

    it('answers 404 to a student of another classroom', async () => {
      await request(app()).get(`${BASE}/assignments/${assignmentId}`).set(bearer(school.outsider)).expect(404);
    });

    it("answers 404 to another classroom's teacher, for reading and for changing", async () => {
      await request(app()).get(`${BASE}/assignments/${assignmentId}`).set(bearer(school.otherTeacher)).expect(404);
      await request(app()).patch(`${BASE}/assignments/${assignmentId}`).set(bearer(school.otherTeacher)).send({ title: 'x' }).expect(404);
    });

    it('refuses a teacher setting work for a classroom they do not teach with 404', async () => {
      await request(app())
        .post(`${BASE}/assignments`)
        .set(bearer(school.teacher))
        .send(assignmentBody({ classroomId: school.other.id }))
        .expect(404);
    });

    it('refuses a check of an unknown kind', async () => {
      const res = await request(app())
        .post(`${BASE}/assignments`)
        .set(bearer(school.teacher))
        .send(assignmentBody({ checks: [{ id: 'x', kind: 'telepathy', title: 'x' }] }))
        .expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
    });

    it('deletes an assignment nobody started and archives one with work', async () => {
      const empty = await request(app()).post(`${BASE}/assignments`).set(bearer(school.teacher)).send(assignmentBody()).expect(201);
      await request(app()).delete(`${BASE}/assignments/${empty.body.data.id}`).set(bearer(school.teacher)).expect(204);

      const used = await request(app()).post(`${BASE}/assignments`).set(bearer(school.teacher)).send(assignmentBody()).expect(201);
      await request(app())
        .put(`${BASE}/assignments/${used.body.data.id}/draft`)
        .set(bearer(school.student))
        .set('If-Match', '"0"')
        .send({ files: PASSING })
        .expect(200);
      const res = await request(app()).delete(`${BASE}/assignments/${used.body.data.id}`).set(bearer(school.teacher)).expect(200);
      expect(res.body.data.archived).to.equal(true);
      await request(app()).get(`${BASE}/assignments/${used.body.data.id}`).set(bearer(school.student)).expect(404);
    });
  });

  describe('drafts', () => {
    it('starts from the starter files at revision 0', async () => {
      const res = await request(app()).get(`${BASE}/assignments/${assignmentId}/draft`).set(bearer(school.classmate)).expect(200);
      expect(res.headers.etag).to.equal('"0"');
      expect(res.body.data.files[0].path).to.equal('index.html');
    });

    it('saves with the ETag it was loaded with and answers the next one', async () => {
      const res = await request(app())
        .put(`${BASE}/assignments/${assignmentId}/draft`)
        .set(bearer(school.classmate))
        .set('If-Match', '"0"')
        .send({ files: PASSING })
        .expect(200);
      expect(res.headers.etag).to.equal('"1"');
    });

    it('gives the slower of two tabs saving from the same revision 412', async () => {
      const student = school.outsider; // any student works; this one gets a fresh assignment of their own classroom
      const own = await request(app())
        .post(`${BASE}/assignments`)
        .set(bearer(school.admin))
        .send(assignmentBody({ classroomId: school.other.id }))
        .expect(201);
      const url = `${BASE}/assignments/${own.body.data.id}/draft`;
      await request(app()).put(url).set(bearer(student)).set('If-Match', '"0"').send({ files: PASSING }).expect(200);
      const [a, b] = await Promise.all([
        request(app())
          .put(url)
          .set(bearer(student))
          .set('If-Match', '"1"')
          .send({ files: [text('index.html', 'tab A')] }),
        request(app())
          .put(url)
          .set(bearer(student))
          .set('If-Match', '"1"')
          .send({ files: [text('index.html', 'tab B')] }),
      ]);
      expect([a.status, b.status].sort()).to.deep.equal([200, 412]);
      expect((a.status === 412 ? a : b).body.error.code).to.equal('DRAFT_CHANGED');
    });

    it('asks for If-Match (428) rather than overwriting blindly', async () => {
      await request(app()).put(`${BASE}/assignments/${assignmentId}/draft`).set(bearer(school.classmate)).send({ files: PASSING }).expect(428);
    });

    for (const [bad, why] of [
      ['../secret.html', '".." segment'],
      ['/etc/passwd', 'absolute path'],
      ['css\\style.css', 'backslash'],
    ] as const) {
      it(`refuses the path ${JSON.stringify(bad)} with 400 naming it`, async () => {
        const res = await request(app())
          .put(`${BASE}/assignments/${assignmentId}/draft`)
          .set(bearer(school.classmate))
          .set('If-Match', '"1"')
          .send({ files: [text('index.html', 'x'), text(bad, 'x')] })
          .expect(400);
        expect(res.body.error.code).to.equal('INVALID_PATH');
        expect(res.body.error.details.path).to.equal(bad);
        expect(res.body.error.message).to.contain(why);
      });
    }

    it('refuses a path with a NUL character with 400 naming the field, as every text input', async () => {
      const res = await request(app())
        .put(`${BASE}/assignments/${assignmentId}/draft`)
        .set(bearer(school.classmate))
        .set('If-Match', '"1"')
        .send({ files: [text('index.html', 'x'), text('a\u0000.html', 'x')] })
        .expect(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
      expect(res.body.error.details[0].field).to.equal('files.1.path');
    });

    it('refuses two files at one path once normalised', async () => {
      const res = await request(app())
        .put(`${BASE}/assignments/${assignmentId}/draft`)
        .set(bearer(school.classmate))
        .set('If-Match', '"1"')
        .send({ files: [text('css/a.css', 'x'), text('./css//a.css', 'y')] })
        .expect(400);
      expect(res.body.error.details.path).to.equal('./css//a.css');
    });

    it('refuses a thirty-first file', async () => {
      const files = Array.from({ length: 31 }, (_, i) => text(`f${i}.txt`, 'x'));
      const res = await request(app())
        .put(`${BASE}/assignments/${assignmentId}/draft`)
        .set(bearer(school.classmate))
        .set('If-Match', '"1"')
        .send({ files })
        .expect(400);
      expect(res.body.error.code).to.equal('TOO_MANY_FILES');
    });

    it('takes a ZIP, images included, as the draft', async () => {
      const zip = await makeZip([
        { name: 'index.html', data: Buffer.from(html('<h1>Zip</h1>')) },
        { name: 'img/logo.png', data: Buffer.from('89504e47', 'hex') },
      ]);
      const res = await request(app())
        .post(`${BASE}/assignments/${assignmentId}/draft/upload`)
        .set(bearer(school.classmate))
        .set('If-Match', '"1"')
        .attach('archive', zip, 'site.zip')
        .expect(200);
      expect(res.body.data.files.map((f: { path: string; encoding: string }) => `${f.path}:${f.encoding}`)).to.deep.equal([
        'img/logo.png:base64',
        'index.html:utf8',
      ]);
    });

    it('refuses a ZIP with a ".." entry with 400 naming it', async () => {
      const res = await request(app())
        .post(`${BASE}/assignments/${assignmentId}/draft/upload`)
        .set(bearer(school.classmate))
        .set('If-Match', '"2"')
        .attach('archive', await zipSlipArchive('../evil.html'), 'site.zip')
        .expect(400);
      expect(res.body.error.code).to.equal('INVALID_PATH');
    });

    it('stops a ZIP bomb at the byte cap, counted on what it actually expands to', async () => {
      const res = await request(app())
        .post(`${BASE}/assignments/${assignmentId}/draft/upload`)
        .set(bearer(school.classmate))
        .set('If-Match', '"2"')
        .attach('archive', await zipBomb(), 'site.zip')
        .expect(413);
      expect(res.body.error.details.path).to.equal('zeros.bin');
    });

    it('refuses a ZIP whose header understates what an entry inflates to with 413 naming it', async () => {
      const res = await request(app())
        .post(`${BASE}/assignments/${assignmentId}/draft/upload`)
        .set(bearer(school.classmate))
        .set('If-Match', '"2"')
        .attach('archive', await lyingArchive(20 * 1024 * 1024, 1000), 'site.zip')
        .expect(413);
      expect(res.body.error.details.path).to.equal('notes.txt');
    });

    it('keeps drafts for students only', async () => {
      await request(app()).get(`${BASE}/assignments/${assignmentId}/draft`).set(bearer(school.teacher)).expect(403);
    });
  });

  describe('submissions and evaluation', () => {
    let versionId: string;

    before(async () => {
      const res = await request(app()).post(`${BASE}/submissions`).set(bearer(school.student)).send({ assignmentId, files: PASSING }).expect(202);
      versionId = res.body.data.id;
    });

    it('answers 202 with the version and the checking status', async () => {
      const res = await request(app()).post(`${BASE}/submissions`).set(bearer(school.student)).send({ assignmentId }).expect(202);
      expect(res.body.data).to.include({ status: 'checking', number: 2 });
    });

    it('keeps the version as it was when the draft changes afterwards', async () => {
      const draft = await request(app()).get(`${BASE}/assignments/${assignmentId}/draft`).set(bearer(school.student)).expect(200);
      await request(app())
        .put(`${BASE}/assignments/${assignmentId}/draft`)
        .set(bearer(school.student))
        .set('If-Match', draft.headers.etag)
        .send({ files: [text('index.html', 'changed')] })
        .expect(200);
      const res = await request(app()).get(`${BASE}/submissions/${versionId}`).set(bearer(school.student)).expect(200);
      expect(res.body.data.files.find((f: { path: string }) => f.path === 'index.html').content).to.contain('Portofolio');
    });

    it('answers 429 TOO_MANY_PENDING while the student already has as many versions waiting as allowed', async () => {
      const student = school.classmate;
      const url = `${BASE}/submissions`;
      for (let i = 0; i < 3; i++) await request(app()).post(url).set(bearer(student)).send({ assignmentId, files: PASSING }).expect(202);
      const res = await request(app()).post(url).set(bearer(student)).send({ assignmentId, files: PASSING }).expect(429);
      expect(res.body.error.code).to.equal('TOO_MANY_PENDING');
      expect(res.headers['retry-after']).to.equal('5');
    });

    it('refuses late work when the assignment does not accept it, with the learning core reason', async () => {
      const past = await request(app())
        .post(`${BASE}/assignments`)
        .set(bearer(school.teacher))
        .send(assignmentBody({ dueAt: new Date(Date.now() - 3 * 86_400_000).toISOString() }))
        .expect(201);
      const res = await request(app())
        .post(`${BASE}/submissions`)
        .set(bearer(school.student))
        .send({ assignmentId: past.body.data.id, files: PASSING })
        .expect(422);
      expect(res.body.error.code).to.equal('LATE_NOT_ACCEPTED');
    });

    it("lists the class's projects for the teacher with the latest version", async () => {
      const res = await request(app()).get(`${BASE}/assignments/${assignmentId}/projects`).set(bearer(school.teacher)).expect(200);
      const mine = res.body.data.find((p: { student: { id: string } }) => p.student.id === school.student.id);
      expect(mine.status).to.equal('submitted');
      expect(mine.latestVersion.number).to.equal(2);
    });

    it('grades on the rubric, blends the automatic score and keeps the history', async () => {
      const scores = (n: number) => ['html', 'css', 'js', 'quality', 'creativity'].map((key) => ({ key, score: n, comment: `${key} ok` }));
      await request(app())
        .patch(`${BASE}/submissions/${versionId}/evaluation`)
        .set(bearer(school.teacher))
        .send({ scores: scores(10), note: 'Perbaiki', status: 'returned' })
        .expect(200);
      const res = await request(app())
        .patch(`${BASE}/submissions/${versionId}/evaluation`)
        .set(bearer(school.teacher))
        .send({ scores: scores(20), note: 'Bagus', status: 'graded' })
        .expect(200);
      // rubric 100/100 weighs 80 %, automatic score 0 of 0 (not checked yet) weighs 20 %
      expect(res.body.data).to.include({ rubricTotal: 100, grade: 80, status: 'graded' });
      expect(res.body.data.history.map((e: { status: string }) => e.status)).to.deep.equal(['returned', 'graded']);
      const seen = await request(app()).get(`${BASE}/submissions/${versionId}`).set(bearer(school.student)).expect(200);
      expect(seen.body.data.projectStatus).to.equal('graded');
      expect(seen.body.data.evaluations).to.have.length(2);
    });

    it('refuses a score above the criterion maximum', async () => {
      const res = await request(app())
        .patch(`${BASE}/submissions/${versionId}/evaluation`)
        .set(bearer(school.teacher))
        .send({ scores: ['html', 'css', 'js', 'quality', 'creativity'].map((key) => ({ key, score: 21 })), status: 'graded' })
        .expect(400);
      expect(res.body.error.code).to.equal('SCORE_ABOVE_MAX');
    });

    it('answers 404 on every id route to another student and to another classroom teacher', async () => {
      for (const who of [school.classmate, school.otherTeacher]) {
        await request(app()).get(`${BASE}/submissions/${versionId}`).set(bearer(who)).expect(404);
        await request(app()).post(`${BASE}/submissions/${versionId}/preview`).set(bearer(who)).expect(404);
        await request(app()).get(`${BASE}/submissions/${versionId}/screenshot`).set(bearer(who)).expect(404);
      }
      await request(app())
        .patch(`${BASE}/submissions/${versionId}/evaluation`)
        .set(bearer(school.otherTeacher))
        .send({ scores: [{ key: 'html', score: 1 }], status: 'graded' })
        .expect(404);
      await request(app()).get(`${BASE}/assignments/${assignmentId}/projects`).set(bearer(school.otherTeacher)).expect(404);
    });

    describe('previews', () => {
      let url: string;
      before(async () => {
        const res = await request(app()).post(`${BASE}/submissions/${versionId}/preview`).set(bearer(school.student)).expect(201);
        url = res.body.data.path;
      });

      it('serves the page with the sandbox CSP, frame-ancestors and no cookies', async () => {
        const res = await request(app()).get(url).expect(200);
        expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
        expect(res.headers['content-security-policy']).to.match(/^sandbox allow-scripts; frame-ancestors http:\/\/localhost:3000/);
        expect(res.headers['x-frame-options']).to.equal(undefined);
        expect(res.headers['set-cookie']).to.equal(undefined);
      });

      it('serves relative links under the same signed prefix with their content type', async () => {
        const res = await request(app())
          .get(url.replace(/index\.html$/, 'css/style.css'))
          .expect(200);
        expect(res.headers['content-type']).to.equal('text/css; charset=utf-8');
      });

      it('answers 404 to a tampered signature or another version under the same signature', async () => {
        const parts = url.split('/');
        const sig = parts[7];
        await request(app())
          .get(url.replace(sig, sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A')))
          .expect(404);
        await request(app()).get(url.replace(parts[5], '00000000-0000-4000-8000-000000000000')).expect(404);
      });

      it('with PREVIEW_ORIGIN set, issues links on that origin and serves them there only', async () => {
        const { app: previewApp } = isolatedApp({ PREVIEW_ORIGIN: 'https://preview.gema.example' });
        const res = await request(previewApp).post(`${BASE}/submissions/${versionId}/preview`).set(bearer(school.student)).expect(201);
        expect(res.body.data.url).to.equal(`https://preview.gema.example${res.body.data.path}`);
        await request(previewApp).get(res.body.data.path).set('Host', 'preview.gema.example').expect(200);
        await request(previewApp).get(res.body.data.path).set('Host', 'api.gema.example').expect(404);
      });

      it('answers 404 once the link has expired', async () => {
        const parts = url.split('/');
        await request(app())
          .get(url.replace(`/${parts[6]}/`, '/1000/'))
          .expect(404);
      });
    });
  });
});
