import { expect } from 'chai';
import request from 'supertest';
import { app } from '../support/deps';
import { bearer, createUser } from '../support/factories';
import { StoredFile, type User } from '../../common/models';
import { realPdf, realPng } from '../files/fixtures';

describe('POST /upload', () => {
  let user: User;
  before(async () => {
    user = await createUser({ role: 'student' });
  });

  const upload = (purpose: string | undefined, content: Buffer, filename: string) => {
    let req = request(app()).post('/api/v2/upload').set(bearer(user));
    if (purpose !== undefined) req = req.field('purpose', purpose);
    return req.attach('file', content, { filename });
  };

  it('stores an avatar image and answers its file record with its URL', async () => {
    const res = await upload('avatar', await realPng(64, 64), 'me.png');
    expect(res.status).to.equal(201);
    expect(res.body.data).to.include({ purpose: 'avatar', mimeType: 'image/png', name: 'me.png', status: 'processing' });
    expect(res.body.data.url).to.equal(`/api/v2/files/${res.body.data.id}`);
    expect((await StoredFile.findByPk(res.body.data.id))!.ownerId).to.equal(user.id);
  });

  it('refuses a PDF as an avatar with 415', async () => {
    const res = await upload('avatar', realPdf(), 'me.png');
    expect(res.status).to.equal(415);
    expect(res.body.error.details.detected).to.equal('application/pdf');
  });

  it('refuses a PDF as an editor image with 415', async () => {
    expect((await upload('editor-image', realPdf(), 'x.pdf')).status).to.equal(415);
  });

  it('accepts a PDF as an attachment', async () => {
    const res = await upload('attachment', realPdf(), 'jadwal.pdf');
    expect(res.status).to.equal(201);
    expect(res.body.data.mimeType).to.equal('application/pdf');
  });

  it('refuses an avatar over 2 MB with 413 while receiving it', async () => {
    const res = await upload('avatar', Buffer.alloc(2 * 1024 * 1024 + 1, 1), 'big.png');
    expect(res.status).to.equal(413);
    expect(res.body.error.details.maxBytes).to.equal(2 * 1024 * 1024);
  });

  it('refuses an unknown purpose with 400', async () => {
    const res = await upload('wallpaper', await realPng(8, 8), 'x.png');
    expect(res.status).to.equal(400);
    expect(res.body.error.details[0].field).to.equal('purpose');
  });

  it('requires a purpose', async () => {
    expect((await upload(undefined, await realPng(8, 8), 'x.png')).status).to.equal(400);
  });

  it('requires a file', async () => {
    const res = await request(app()).post('/api/v2/upload').set(bearer(user)).field('purpose', 'avatar');
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('FILE_REQUIRED');
  });

  it('is for signed-in users only', async () => {
    const res = await request(app())
      .post('/api/v2/upload')
      .field('purpose', 'avatar')
      .attach('file', await realPng(8, 8), 'x.png');
    expect(res.status).to.equal(401);
  });
});
