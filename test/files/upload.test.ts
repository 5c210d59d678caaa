import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { apiDeps } from '../support/deps';
import { bearer, createUser } from '../support/factories';
import { StoredFile, type User } from '../../common/models';
import { UPLOAD_LIMITS } from '../../api/files/upload';
import { elfExecutable, peExecutable, realPdf, realPng, uploadTestApp } from './fixtures';

describe('file uploads (multer middleware and FileService)', () => {
  const { app, probe } = uploadTestApp();
  let student: User;
  let other: User;

  before(async () => {
    student = await createUser({ role: 'student' });
    other = await createUser({ role: 'student' });
  });

  const upload = (user: User, query = '') => request(app).post(`/upload${query}`).set(bearer(user));
  const countOwned = (user: User) => StoredFile.count({ where: { ownerId: user.id } });

  it('stores a real PDF as application/pdf, processing, with its sha256 and a queued processing job', async () => {
    const pdf = realPdf();
    const res = await upload(student, '?types=pdf').attach('files', pdf, { filename: 'essay.pdf', contentType: 'application/pdf' });
    expect(res.status).to.equal(201);
    const [file] = res.body.data;
    expect(file).to.include({ name: 'essay.pdf', mimeType: 'application/pdf', size: pdf.length, status: 'processing' });
    expect(file.url).to.equal(`/api/v2/files/${file.id}`);
    const row = await StoredFile.findByPk(file.id);
    expect(row!.sha256).to.equal(crypto.createHash('sha256').update(pdf).digest('hex'));
    const job = await apiDeps().queues['file-processing'].getJob(`file-${file.id}`);
    expect(job?.data).to.deep.equal({ fileId: file.id });
  });

  it('refuses a Linux executable renamed .pdf with 415, whatever Content-Type the client claims', async () => {
    const before = await countOwned(student);
    const res = await upload(student, '?types=pdf').attach('files', elfExecutable(), {
      filename: 'tugas.pdf',
      contentType: 'application/pdf',
    });
    expect(res.status).to.equal(415);
    expect(res.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
    expect(res.body.error.details.detected).to.equal('application/x-elf');
    expect(await countOwned(student)).to.equal(before);
  });

  it('refuses a Windows executable renamed .pdf with 415', async () => {
    const res = await upload(student, '?types=pdf').attach('files', peExecutable(), { filename: 'tugas.pdf', contentType: 'application/pdf' });
    expect(res.status).to.equal(415);
    expect(res.body.error.details.detected).to.equal('application/x-msdownload');
  });

  it('refuses a real PNG where only PDF is allowed', async () => {
    const res = await upload(student, '?types=pdf').attach('files', await realPng(), { filename: 'photo.pdf' });
    expect(res.status).to.equal(415);
  });

  it('accepts types given as MIME types and wildcards as well as extensions', async () => {
    const res = await upload(student, '?types=image/*').attach('files', await realPng(20, 10), { filename: 'tiny.png' });
    expect(res.status).to.equal(201);
    expect(res.body.data[0].mimeType).to.equal('image/png');
  });

  it('accepts a UTF-8 source file by its extension, since text has no magic bytes', async () => {
    const res = await upload(student, '?types=py').attach('files', Buffer.from('print("halo dunia ✓")\n'), { filename: 'main.py' });
    expect(res.status).to.equal(201);
    expect(res.body.data[0].mimeType).to.equal('text/x-python');
  });

  it('refuses binary content posing as a text file', async () => {
    const res = await upload(student, '?types=txt').attach('files', crypto.randomBytes(2048), { filename: 'notes.txt' });
    expect(res.status).to.equal(415);
  });

  it('refuses text posing as a PDF', async () => {
    const res = await upload(student, '?types=pdf').attach('files', Buffer.from('just some words'), { filename: 'essay.pdf' });
    expect(res.status).to.equal(415);
  });

  it("refuses a file larger than the caller's cap with 413", async () => {
    const res = await upload(student, '?maxBytes=1024').attach('files', Buffer.from('x'.repeat(2048)), { filename: 'big.txt' });
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    expect(res.body.error.details.maxBytes).to.equal(1024);
  });

  it('refuses a file over the 25 MB hard cap with 413 while receiving it', async () => {
    const big = path.join(os.tmpdir(), `gema-big-${crypto.randomUUID()}.txt`);
    fs.writeFileSync(big, Buffer.alloc(UPLOAD_LIMITS.maxFileBytes + 1, 0x61));
    try {
      const res = await upload(student).attach('files', big, { filename: 'big.txt' });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    } finally {
      fs.rmSync(big, { force: true });
    }
  });

  it('refuses more files than allowed with 413 TOO_MANY_FILES', async () => {
    let req = upload(student, '?maxFiles=2');
    for (let i = 0; i < 3; i++) req = req.attach('files', Buffer.from(`file ${i}`), { filename: `f${i}.txt` });
    const res = await req;
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('TOO_MANY_FILES');
    expect(res.body.error.details.maxFiles).to.equal(2);
  });

  it('refuses a form with more than 20 text fields with 413 TOO_MANY_PARTS', async () => {
    let req = upload(student);
    for (let i = 0; i <= UPLOAD_LIMITS.maxFields; i++) req = req.field(`f${i}`, 'x');
    const res = await req.attach('files', Buffer.from('hello\n'), { filename: 'a.txt' });
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('TOO_MANY_PARTS');
    expect(res.body.error.details.reason).to.equal('LIMIT_FIELD_COUNT');
  });

  it('refuses a text field longer than 100 KB with 413, naming the field', async () => {
    const res = await upload(student)
      .field('content', 'x'.repeat(UPLOAD_LIMITS.maxFieldBytes + 1))
      .attach('files', Buffer.from('hello\n'), { filename: 'a.txt' });
    expect(res.status).to.equal(413);
    expect(res.body.error.details.field).to.equal('content');
  });

  it('keeps none of the files of a request when one of them is refused', async () => {
    const before = await countOwned(student);
    const res = await upload(student, '?types=pdf')
      .attach('files', realPdf(), { filename: 'ok.pdf' })
      .attach('files', elfExecutable(), { filename: 'bad.pdf' });
    expect(res.status).to.equal(415);
    expect(res.body.error.details.name).to.equal('bad.pdf');
    expect(await countOwned(student)).to.equal(before);
  });

  it('refuses files sent in an unexpected field with 400', async () => {
    const res = await upload(student).attach('avatar', Buffer.from('hello'), { filename: 'a.txt' });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('UNEXPECTED_FILE_FIELD');
  });

  it('stores identical content by the same owner once, returning the existing file', async () => {
    const content = Buffer.from(`same content ${crypto.randomUUID()}\n`);
    const first = await upload(student).attach('files', content, { filename: 'a.txt' });
    const second = await upload(student).attach('files', content, { filename: 'renamed.txt' });
    expect(first.status).to.equal(201);
    expect(second.status).to.equal(201);
    expect(second.body.data[0].id).to.equal(first.body.data[0].id);
    const sha256 = crypto.createHash('sha256').update(content).digest('hex');
    expect(await StoredFile.count({ where: { ownerId: student.id, sha256 } })).to.equal(1);
  });

  it("keeps another owner's copy of the same content separate", async () => {
    const content = Buffer.from(`shared ${crypto.randomUUID()}\n`);
    const mine = await upload(student).attach('files', content, { filename: 'a.txt' });
    const theirs = await upload(other).attach('files', content, { filename: 'a.txt' });
    expect(theirs.body.data[0].id).to.not.equal(mine.body.data[0].id);
  });

  it('sanitises the file name', async () => {
    const res = await upload(student).attach('files', Buffer.from(`x ${crypto.randomUUID()}`), {
      filename: '..\\..\\etc\\pass\u202ewd<b>.txt',
    });
    expect(res.status).to.equal(201);
    expect(res.body.data[0].name).to.equal('passwd_b_.txt');
  });

  it('keeps a UTF-8 file name as sent', async () => {
    const res = await upload(student).attach('files', Buffer.from(`y ${crypto.randomUUID()}`), { filename: 'tugas akhir – Šárka.txt' });
    expect(res.body.data[0].name).to.equal('tugas akhir – Šárka.txt');
  });

  it('removes the temporary files once the response is sent', async () => {
    const res = await upload(student).attach('files', Buffer.from(`z ${crypto.randomUUID()}`), { filename: 'tmp.txt' });
    expect(res.status).to.equal(201);
    expect(probe.lastTempPaths).to.have.length(1);
    for (let i = 0; i < 50 && fs.existsSync(probe.lastTempPaths[0]!); i++) await new Promise((r) => setTimeout(r, 10));
    expect(fs.existsSync(probe.lastTempPaths[0]!)).to.equal(false);
  });

  it('refuses an unauthenticated upload before reading it', async () => {
    const res = await request(app).post('/upload').attach('files', realPdf(), { filename: 'a.pdf' });
    expect(res.status).to.equal(401);
  });
});
