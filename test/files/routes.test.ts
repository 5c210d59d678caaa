import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { parse as parseContentDisposition } from 'content-disposition';
import { app, testWorkerDeps } from '../support/deps';
import { bearer, createSchool, createUser } from '../support/factories';
import type { StoredFile, User } from '../../common/models';
import { createStorage } from '../../common/storage';
import { processFile } from '../../worker/files/processor';
import { makeZip, realPdf, realPng, storeFile, zipSlipArchive } from './fixtures';

describe('file routes', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;
  let pdf: StoredFile;
  let pdfBytes: Buffer;

  before(async () => {
    school = await createSchool();
    pdfBytes = Buffer.concat([realPdf(), Buffer.from(`% ${crypto.randomUUID()}\n`)]);
    pdf = await storeFile(school.student.id, 'Laporan Praktikum.pdf', pdfBytes);
  });

  const get = (path: string, user?: User) => {
    const req = request(app()).get(path).buffer(true);
    return user ? req.set(bearer(user)) : req;
  };
  const fileOf = (id: string, user?: User) => get(`/api/v2/files/${id}`, user);

  describe('who may read a file', () => {
    it('streams the file to its owner', async () => {
      const res = await fileOf(pdf.id, school.student);
      expect(res.status).to.equal(200);
      expect(Buffer.compare(res.body as Buffer, pdfBytes)).to.equal(0);
    });

    it("streams it to a teacher of the owner's classroom", async () => {
      expect((await fileOf(pdf.id, school.teacher)).status).to.equal(200);
    });

    it('streams it to an admin', async () => {
      expect((await fileOf(pdf.id, school.admin)).status).to.equal(200);
    });

    it('answers 404 to a teacher of another classroom', async () => {
      const res = await fileOf(pdf.id, school.otherTeacher);
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('NOT_FOUND');
    });

    it('answers 404 to a classmate', async () => {
      expect((await fileOf(pdf.id, school.classmate)).status).to.equal(404);
    });

    it('answers 404 to a student of another classroom', async () => {
      expect((await fileOf(pdf.id, school.outsider)).status).to.equal(404);
    });

    it('answers 404 to the thumbnail route as well', async () => {
      expect((await get(`/api/v2/files/${pdf.id}/thumbnail`, school.outsider)).status).to.equal(404);
    });

    it('answers 401 without a token', async () => {
      expect((await fileOf(pdf.id)).status).to.equal(401);
    });

    it('answers 404 for a file that does not exist', async () => {
      expect((await fileOf(crypto.randomUUID(), school.admin)).status).to.equal(404);
    });

    it('answers 400 for an id that is not a UUID', async () => {
      const res = await fileOf('not-a-uuid', school.admin);
      expect(res.status).to.equal(400);
      expect(res.body.error.details[0].field).to.equal('params.id');
    });
  });

  describe('headers', () => {
    it('sends a PDF inline with its sniffed type, length, nosniff and an ETag from its sha256', async () => {
      const res = await fileOf(pdf.id, school.student);
      expect(res.headers['content-type']).to.equal('application/pdf');
      expect(parseContentDisposition(res.headers['content-disposition'])).to.deep.include({
        type: 'inline',
        parameters: { filename: 'Laporan Praktikum.pdf' },
      });
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['content-length']).to.equal(String(pdfBytes.length));
      expect(res.headers.etag).to.equal(`"${crypto.createHash('sha256').update(pdfBytes).digest('hex')}"`);
    });

    it('answers 304 when the client already has this content', async () => {
      const res = await fileOf(pdf.id, school.student).set('If-None-Match', `"${pdf.sha256}"`);
      expect(res.status).to.equal(304);
    });

    it('answers 304 when the tag is one of several the client lists', async () => {
      const res = await fileOf(pdf.id, school.student).set('If-None-Match', `"stale", W/"${pdf.sha256}"`);
      expect(res.status).to.equal(304);
      expect(res.headers.etag).to.equal(`"${pdf.sha256}"`);
    });

    it('sends the content again when the tag the client holds is another one', async () => {
      const res = await fileOf(pdf.id, school.student).set('If-None-Match', `"${'0'.repeat(64)}"`);
      expect(res.status).to.equal(200);
      expect(Buffer.compare(res.body as Buffer, pdfBytes)).to.equal(0);
    });

    it('answers 304 to a client that has had the file since its upload', async () => {
      const first = await fileOf(pdf.id, school.student);
      const res = await fileOf(pdf.id, school.student).set('If-Modified-Since', first.headers['last-modified']!);
      expect(res.status).to.equal(304);
    });

    it('sends the content to a client whose copy is older than the upload', async () => {
      const before = new Date(pdf.createdAt.getTime() - 60_000).toUTCString();
      const res = await fileOf(pdf.id, school.student).set('If-Modified-Since', before);
      expect(res.status).to.equal(200);
    });

    it('sends the content when the client asks for a fresh copy despite holding the tag', async () => {
      const res = await fileOf(pdf.id, school.student).set('If-None-Match', `"${pdf.sha256}"`).set('Cache-Control', 'no-cache');
      expect(res.status).to.equal(200);
    });

    it('sends HTML as an attachment, so it never runs on our origin', async () => {
      const html = await storeFile(school.student.id, 'page.html', Buffer.from(`<script>alert(${Date.now()})</script>`));
      const res = await fileOf(html.id, school.teacher);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(parseContentDisposition(res.headers['content-disposition'])).to.deep.include({
        type: 'attachment',
        parameters: { filename: 'page.html' },
      });
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['content-security-policy']).to.include('sandbox');
    });

    it('sends SVG as an attachment', async () => {
      const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(${Date.now()})"></svg>`);
      const file = await storeFile(school.student.id, 'logo.svg', svg);
      const res = await fileOf(file.id, school.student);
      expect(res.headers['content-type']).to.equal('image/svg+xml');
      expect(res.headers['content-disposition']).to.match(/^attachment;/);
    });

    it('recognises an SVG that starts with an XML prolog as SVG, and sends it as an attachment', async () => {
      const svg = Buffer.from(`<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><!-- ${Date.now()} --></svg>`);
      const file = await storeFile(school.student.id, 'prolog.svg', svg, ['svg']);
      const res = await fileOf(file.id, school.student);
      expect(res.headers['content-type']).to.equal('image/svg+xml');
      expect(res.headers['content-disposition']).to.match(/^attachment;/);
    });

    it('sends plain text inline as UTF-8', async () => {
      const file = await storeFile(school.student.id, 'catatan.txt', Buffer.from(`halo ${crypto.randomUUID()}`));
      const res = await fileOf(file.id, school.student);
      expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(res.headers['content-disposition']).to.match(/^inline;/);
    });

    it('keeps a non-ASCII name in filename* and an ASCII stand-in in filename', async () => {
      const file = await storeFile(school.student.id, 'tugas – akhir.txt', Buffer.from(`n ${crypto.randomUUID()}`));
      const res = await fileOf(file.id, school.student);
      expect(res.headers['content-disposition']).to.equal(`inline; filename="tugas _ akhir.txt"; filename*=UTF-8''tugas%20%E2%80%93%20akhir.txt`);
    });
  });

  describe('processed files', () => {
    const workerDeps = testWorkerDeps();
    const ctx = { deps: workerDeps, storage: createStorage(workerDeps.config) };

    it('serves the thumbnail of a processed image', async () => {
      const owner = await createUser({ role: 'student', classroomId: school.classroom.id });
      const png = await storeFile(owner.id, 'foto.png', await realPng(400, 400));
      await processFile(ctx, png.id);
      const res = await get(`/api/v2/files/${png.id}/thumbnail`, school.teacher);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('image/webp');
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
    });

    it('answers 404 for the thumbnail of a file that is not an image', async () => {
      await processFile(ctx, pdf.id);
      const res = await get(`/api/v2/files/${pdf.id}/thumbnail`, school.student);
      expect(res.status).to.equal(404);
    });

    it('holds back an archive until it has been checked, then serves it', async () => {
      const zip = await storeFile(school.student.id, 'project.zip', await makeZip([{ name: 'a.txt', data: Buffer.from(crypto.randomUUID()) }]));
      const early = await fileOf(zip.id, school.teacher);
      expect(early.status).to.equal(409);
      expect(early.body.error.code).to.equal('FILE_PROCESSING');
      await processFile(ctx, zip.id);
      const res = await fileOf(zip.id, school.teacher);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('application/zip');
      expect(res.headers['content-disposition']).to.match(/^attachment;/);
    });

    it('refuses to serve a rejected file, saying why', async () => {
      const zip = await storeFile(school.student.id, 'slip.zip', await zipSlipArchive());
      await processFile(ctx, zip.id);
      const res = await fileOf(zip.id, school.student);
      expect(res.status).to.equal(422);
      expect(res.body.error.code).to.equal('FILE_REJECTED');
      expect(res.body.error.message).to.include('zip slip');
    });
  });
});
