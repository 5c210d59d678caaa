import { expect } from 'chai';
import sharp from 'sharp';
import { testWorkerDeps } from '../support/deps';
import { createUser } from '../support/factories';
import { StoredFile, type User } from '../../common/models';
import { createStorage, LocalStorage } from '../../common/storage';
import { failFile, processFile, type FileProcessingContext } from '../../worker/files/processor';
import { makeImageVariants } from '../../worker/files/variants';
import { realPdf, realPng, storeFile, streamToBuffer } from './fixtures';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('image variants and file processing edges (worker)', () => {
  const workerDeps = testWorkerDeps();
  const ctx: FileProcessingContext = { deps: workerDeps, storage: createStorage(workerDeps.config) };
  let owner: User;

  before(async () => {
    owner = await createUser({ role: 'student' });
  });

  const ready = async (name: string, content: Buffer) => {
    const file = await storeFile(owner.id, name, content);
    await processFile(ctx, file.id);
    return file.reload();
  };

  it('makes the WebP sizes of a published image, never wider than the original, and records them', async () => {
    const file = await ready('wide.png', await realPng(1000, 500));
    expect(await makeImageVariants(ctx.storage, file.id)).to.deep.equal({ fileId: file.id, variants: 3 });
    await file.reload();
    expect(file.metadata.variants!.map((v) => v.actualWidth)).to.deep.equal([320, 800, 1000]);
    const meta = await sharp(await streamToBuffer(await ctx.storage.get(file.metadata.variants![0]!.key))).metadata();
    expect(meta).to.include({ format: 'webp', width: 320 });
  });

  it('does not make the variants twice', async () => {
    const file = await ready('twice.png', await realPng(400, 300));
    await makeImageVariants(ctx.storage, file.id);
    const before = (await file.reload()).metadata.variants;
    expect(await makeImageVariants(ctx.storage, file.id)).to.deep.equal({ fileId: file.id, variants: 3 });
    expect((await file.reload()).metadata.variants).to.deep.equal(before);
  });

  it('makes no variants for a file whose row is gone', async () => {
    const id = '00000000-0000-4000-8000-0000000000aa';
    expect(await makeImageVariants(ctx.storage, id)).to.deep.equal({ fileId: id, variants: 0 });
  });

  it('asks for a retry while the image is still being processed', async () => {
    const file = await storeFile(owner.id, 'early.png', await realPng(50, 50));
    const err = await rejection(makeImageVariants(ctx.storage, file.id));
    expect(err.name).to.equal('Error');
    expect(err.message).to.equal('the file is still being processed');
  });

  it('gives up for good on a file that is not a ready raster image', async () => {
    const pdf = await ready('essay.pdf', realPdf());
    expect((await rejection(makeImageVariants(ctx.storage, pdf.id))).name).to.equal('UnrecoverableError');
    const png = await ready('rejected.png', await realPng(40, 40));
    await StoredFile.update({ status: 'rejected' }, { where: { id: png.id } });
    expect((await rejection(makeImageVariants(ctx.storage, png.id))).name).to.equal('UnrecoverableError');
    await StoredFile.update({ status: 'ready', mimeType: 'image/svg+xml' }, { where: { id: png.id } });
    expect((await rejection(makeImageVariants(ctx.storage, png.id))).name).to.equal('UnrecoverableError');
  });

  it('gives up for good on an image whose stored content is gone', async () => {
    const file = await ready('lost.png', await realPng(60, 60));
    await ctx.storage.delete(file.storageKey);
    const err = await rejection(makeImageVariants(ctx.storage, file.id));
    expect(err.name).to.equal('UnrecoverableError');
    expect(err.message).to.match(/No stored object/);
  });

  it('lets a storage read error through for another attempt when making variants', async () => {
    const file = await ready('io.png', await realPng(60, 60));
    // a root below a regular file: every open fails with ENOTDIR, a real I/O error
    const err = await rejection(makeImageVariants(new LocalStorage('/dev/null/uploads'), file.id));
    expect(err.name).not.to.equal('UnrecoverableError');
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOTDIR');
  });

  it('refuses stored content larger than the size on record', async () => {
    const file = await storeFile(owner.id, 'grown.png', await realPng(80, 80));
    await StoredFile.update({ size: 10 }, { where: { id: file.id } });
    const err = await rejection(processFile(ctx, file.id));
    expect(err.name).to.equal('UnrecoverableError');
    expect(err.message).to.equal('stored content is larger than the 10 bytes on record');
    expect((await file.reload()).status).to.equal('processing');
  });

  it('gives up for good on a file kept by a storage driver this worker has no settings for', async () => {
    const file = await storeFile(owner.id, 'elsewhere.png', await realPng(20, 20));
    await StoredFile.update({ storageDriver: 'cloudinary' }, { where: { id: file.id } });
    const err = await rejection(processFile(ctx, file.id));
    expect(err.name).to.equal('UnrecoverableError');
    expect(err.message).to.equal('storage driver cloudinary is not configured in this worker');
  });

  it('reports a file whose row is gone as missing', async () => {
    const id = '00000000-0000-4000-8000-0000000000ab';
    expect(await processFile(ctx, id)).to.deep.equal({ fileId: id, status: 'missing' });
  });

  it('leaves a file that already settled alone when its job fails late', async () => {
    const file = await ready('settled.png', await realPng(30, 30));
    await failFile(ctx, file.id, new Error('late'));
    expect((await file.reload()).status).to.equal('ready');
    await failFile(ctx, '00000000-0000-4000-8000-0000000000ac', new Error('gone'));
  });
});
