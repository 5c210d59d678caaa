import crypto from 'node:crypto';
import request from 'supertest';
import { expect } from 'chai';
import sharp from 'sharp';
import { app, testWorkerDeps } from '../../support/deps';
import { createStorage } from '../../../common/storage';
import { processFile } from '../../../worker/files/processor';
import { bearer, createSchool } from '../../support/factories';
import { StoredFile } from '../../../common/models';
import { makeAssignment } from '../helpers';
import { UPLOAD_LIMITS } from '../../../api/files/upload';

/** A small but real PDF: the magic bytes are what the type check reads. */
function pdf(text = 'hello'): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
  );
}

/** A Windows executable's header (MZ … PE\0\0), to be renamed to .pdf. */
function exe(): Buffer {
  const b = Buffer.alloc(512);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}

describe('submissions with files (POST /api/v2/tutorial/submissions, multipart)', () => {
  let school: Awaited<ReturnType<typeof createSchool>>;

  before(async () => {
    app();
    school = await createSchool();
  });

  const post = (as = school.student) => request(app()).post('/api/v2/tutorial/submissions').set(bearer(as));

  it('stores a PDF for a file assignment and shows it in the submission (201)', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'] });
    const res = await post().field('assignmentId', a.id).attach('files', pdf('first'), 'report.pdf').expect(201);
    expect(res.body.data.files).to.have.length(1);
    expect(res.body.data.files[0]).to.include({ name: 'report.pdf', mimeType: 'application/pdf', status: 'processing' });
    expect(res.body.data.files[0].url).to.equal(`/api/v2/files/${res.body.data.files[0].id}`);
  });

  it('refuses a submission of a file assignment with no file (400 on files)', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'] });
    const res = await post().field('assignmentId', a.id).expect(400);
    expect(res.body.error.details[0].field).to.equal('files');
  });

  it('refuses files on a text assignment with 400 FILES_NOT_ALLOWED', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'text' });
    const res = await post().field('assignmentId', a.id).field('content', 'text').attach('files', pdf(), 'x.pdf').expect(400);
    expect(res.body.error.code).to.equal('FILES_NOT_ALLOWED');
  });

  it("answers 413 for a file over the assignment's size cap, and stores nothing", async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'], maxFileBytes: 1024 });
    const big = Buffer.concat([pdf(), Buffer.alloc(4096, 0x20)]);
    const res = await post().field('assignmentId', a.id).attach('files', big, 'big.pdf').expect(413);
    expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    expect(await StoredFile.count({ where: { ownerId: school.student.id, size: big.length } })).to.equal(0);
  });

  describe("the assignment's cap applies while the file streams in, before the 25 MB hard cap", () => {
    // a file past the hard cap tells the two apart: only a cap applied while receiving names the assignment's 1,024 bytes
    const huge = () => Buffer.concat([pdf(), Buffer.alloc(UPLOAD_LIMITS.maxFileBytes, 0x20)]);

    it('on POST, from the assignmentId sent before the files', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'], maxFileBytes: 1024 });
      const res = await post().field('assignmentId', a.id).attach('files', huge(), 'huge.pdf').expect(413);
      expect(res.body.error.details).to.include({ name: 'huge.pdf', maxBytes: 1024 });
    });

    it('on PATCH, from the submission in the URL', async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'], maxFileBytes: 1024 });
      const created = await post().field('assignmentId', a.id).attach('files', pdf(crypto.randomUUID()), 'v1.pdf').expect(201);
      const res = await request(app())
        .patch(`/api/v2/tutorial/submissions/${created.body.data.id}`)
        .set(bearer(school.student))
        .attach('files', huge(), 'huge.pdf')
        .expect(413);
      expect(res.body.error.details).to.include({ name: 'huge.pdf', maxBytes: 1024 });
    });

    it('keeps to the hard cap for an assignment the student cannot see, which then answers 404, not its cap', async () => {
      const a = await makeAssignment({ classroomId: school.other.id, kind: 'file', allowedFileTypes: ['pdf'], maxFileBytes: 1024 });
      const res = await post().field('assignmentId', a.id).attach('files', pdf(crypto.randomUUID()), 'small.pdf').expect(404);
      expect(res.body.error.code).to.equal('NOT_FOUND');
    });
  });

  it('answers 415 for an executable renamed to .pdf and sent as application/pdf', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'] });
    const res = await post()
      .field('assignmentId', a.id)
      .attach('files', exe(), { filename: 'homework.pdf', contentType: 'application/pdf' })
      .expect(415);
    expect(res.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 413 TOO_MANY_FILES for a sixth file', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'] });
    let req = post().field('assignmentId', a.id);
    for (let i = 0; i < 6; i += 1) req = req.attach('files', pdf(`n${i}`), `f${i}.pdf`);
    const res = await req.expect(413);
    expect(res.body.error.code).to.equal('TOO_MANY_FILES');
  });

  it('stores identical content from the same student once, however often it is sent', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'], maxAttempts: 2 });
    const same = pdf(crypto.randomUUID());
    const sha256 = crypto.createHash('sha256').update(same).digest('hex');
    const one = await post().field('assignmentId', a.id).attach('files', same, 'a.pdf').attach('files', same, 'b.pdf').expect(201);
    const two = await post().field('assignmentId', a.id).attach('files', same, 'again.pdf').expect(201);
    expect(await StoredFile.count({ where: { ownerId: school.student.id, sha256 } })).to.equal(1);
    expect(one.body.data.files.map((f: { id: string }) => f.id)).to.deep.equal([two.body.data.files[0].id]);
  });

  it('lets the student replace the files of an unreviewed attempt with PATCH', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'] });
    const created = await post().field('assignmentId', a.id).attach('files', pdf(crypto.randomUUID()), 'v1.pdf').expect(201);
    const res = await request(app())
      .patch(`/api/v2/tutorial/submissions/${created.body.data.id}`)
      .set(bearer(school.student))
      .attach('files', pdf(crypto.randomUUID()), 'v2.pdf')
      .expect(200);
    expect(res.body.data.files.map((f: { name: string }) => f.name)).to.deep.equal(['v2.pdf']);
  });

  it('shows the file as ready with a thumbnail once the worker has processed it', async () => {
    const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['image/*'] });
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .png()
      .toBuffer();
    const created = await post().field('assignmentId', a.id).attach('files', png, 'diagram.png').expect(201);
    const file = created.body.data.files[0];
    expect(file.status).to.equal('processing');
    const workerDeps = testWorkerDeps();
    await processFile({ deps: workerDeps, storage: createStorage(workerDeps.config) }, file.id);
    const seen = await request(app()).get(`/api/v2/tutorial/submissions/${created.body.data.id}`).set(bearer(school.student)).expect(200);
    expect(seen.body.data.files[0]).to.deep.include({ id: file.id, status: 'ready', metadata: { width: 64, height: 48 } });
    expect(seen.body.data.files[0].thumbnailUrl).to.equal(`/api/v2/files/${file.id}/thumbnail`);
  });

  describe("another student's files (BOLA)", () => {
    it("answers 404 to student A for student B's file and thumbnail, and 404 to another classroom's teacher", async () => {
      const a = await makeAssignment({ classroomId: school.classroom.id, kind: 'file', allowedFileTypes: ['pdf'] });
      const res = await post(school.classmate).field('assignmentId', a.id).attach('files', pdf(crypto.randomUUID()), 'theirs.pdf').expect(201);
      const fileId = res.body.data.files[0].id;
      await request(app()).get(`/api/v2/files/${fileId}`).set(bearer(school.student)).expect(404);
      await request(app()).get(`/api/v2/files/${fileId}/thumbnail`).set(bearer(school.student)).expect(404);
      await request(app()).get(`/api/v2/files/${fileId}`).set(bearer(school.otherTeacher)).expect(404);
      await request(app()).get(`/api/v2/files/${fileId}`).set(bearer(school.classmate)).expect(200);
      await request(app()).get(`/api/v2/files/${fileId}`).set(bearer(school.teacher)).expect(200);
    });
  });
});
