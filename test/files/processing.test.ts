import { expect } from 'chai';
import request from 'supertest';
import sharp from 'sharp';
import { QueueEvents, type ConnectionOptions } from 'bullmq';
import { app, apiDeps, testWorkerDeps } from '../support/deps';
import { bearer, createUser } from '../support/factories';
import { connectClient, nextEvent, startLiveServer, type LiveServer } from '../support/realtime';
import type { User } from '../../common/models';
import { bullPrefix } from '../../common/queues';
import { createStorage, LocalStorage } from '../../common/storage';
import { fileProcessingProcessor, failFile, processFile, type FileProcessingContext } from '../../worker/files/processor';
import { closeWorkers, startQueueWorker } from '../../worker/queue-worker';
import { inspectZip, ZIP_LIMITS } from '../../worker/files/archive';
import { lyingArchive, makeZip, overlappingArchive, realPdf, realPng, storeFile, streamToBuffer, zipBomb, zipSlipArchive } from './fixtures';

describe('file processing (worker)', () => {
  const workerDeps = testWorkerDeps();
  const ctx: FileProcessingContext = { deps: workerDeps, storage: createStorage(workerDeps.config) };
  let owner: User;

  before(async () => {
    owner = await createUser({ role: 'student' });
  });

  const processed = async (name: string, content: Buffer) => {
    const file = await storeFile(owner.id, name, content);
    const result = await processFile(ctx, file.id);
    await file.reload();
    return { file, result };
  };

  it('reads a PNG’s dimensions and stores a webp thumbnail at most 320 px wide', async () => {
    const { file } = await processed('photo.png', await realPng(640, 480));
    expect(file.status).to.equal('ready');
    expect(file.metadata).to.include({ width: 640, height: 480 });
    const thumb = await streamToBuffer(await ctx.storage.get(file.metadata.thumbnailKey!));
    const meta = await sharp(thumb).metadata();
    expect(meta).to.include({ format: 'webp', width: 320, height: 240 });
  });

  it('rejects a corrupt image with a reason instead of failing the job', async () => {
    const png = await realPng(300, 300);
    const corrupt = Buffer.concat([png.subarray(0, 60), Buffer.alloc(400, 0x41)]);
    const { file, result } = await processed('broken.png', corrupt);
    expect(result.status).to.equal('rejected');
    expect(file.status).to.equal('rejected');
    expect(file.rejectionReason).to.match(/not a readable image/);
  });

  it('marks a PDF ready with no image or archive metadata', async () => {
    const { file } = await processed('essay.pdf', realPdf());
    expect(file.status).to.equal('ready');
    expect(file.metadata).to.deep.equal({});
  });

  it('lists a normal ZIP archive’s entries and marks it ready', async () => {
    const zip = await makeZip([
      { name: 'src/main.py', data: Buffer.from('print(1)\n') },
      { name: 'README.md', data: Buffer.from('# Tugas\n'.repeat(20)) },
    ]);
    const { file } = await processed('project.zip', zip);
    expect(file.status).to.equal('ready');
    expect(file.metadata.entryCount).to.equal(2);
    expect(file.metadata.entries!.map((e) => [e.name, e.size])).to.deep.equal([
      ['src/main.py', 9],
      ['README.md', 160],
    ]);
    expect(file.metadata.uncompressedBytes).to.equal(169);
  });

  it('rejects an archive with an entry that climbs out of the target directory (zip slip)', async () => {
    const { file } = await processed('slip.zip', await zipSlipArchive());
    expect(file.status).to.equal('rejected');
    expect(file.rejectionReason).to.include('../evil.sh').and.include('zip slip');
  });

  for (const name of ['/tmp/evil.sh', 'C:/evil.sh']) {
    it(`rejects an archive with an entry at an absolute path (${name})`, async () => {
      const { file } = await processed('absolute.zip', await zipSlipArchive(name));
      expect(file.status).to.equal('rejected');
      expect(file.rejectionReason).to.include(name).and.include('absolute path').and.include('zip slip');
    });
  }

  it('rejects a zip bomb: 50 MB of zeros in a tiny archive', async () => {
    const bomb = await zipBomb();
    expect(bomb.length).to.be.below(1024 * 1024);
    const { file } = await processed('bomb.zip', bomb);
    expect(file.status).to.equal('rejected');
    expect(file.rejectionReason).to.match(/expands \d+:1 \(zip bomb\)/);
  });

  it('rejects an archive whose header declares 1,000 bytes for an entry that inflates to 200 MB, instead of marking it ready', async () => {
    const liar = await lyingArchive(200 * 1024 * 1024, 1000);
    expect(liar.length).to.be.below(1024 * 1024);
    const { file } = await processed('liar.zip', liar);
    expect(file.status).to.equal('rejected');
    expect(file.rejectionReason).to.equal('entry "notes.txt" inflates to more than the 1000 bytes its header declares (zip bomb)');
  });

  it('rejects an archive of more than 1,000 entries', async () => {
    const items = Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from(String(i)) }));
    const { file } = await processed('many.zip', await makeZip(items));
    expect(file.status).to.equal('rejected');
    expect(file.rejectionReason).to.equal('the archive has 1001 entries; at most 1000 are allowed');
  });

  it('rejects an archive that expands beyond 100 MB even when no single entry looks like a bomb', async () => {
    // 120 entries just under the per-entry ratio threshold: each one alone passes
    const chunk = Buffer.alloc(ZIP_LIMITS.ratioMinBytes - 1);
    const items = Array.from({ length: 120 }, (_, i) => ({ name: `part${i}.bin`, data: chunk }));
    const verdict = await inspectZip(await makeZip(items));
    expect(verdict).to.deep.equal({ ok: false, reason: `the archive expands to more than ${100 * 1024 * 1024} bytes` });
  });

  it('rejects an archive whose entries share their data (overlapping-entry bomb)', async () => {
    const { file } = await processed('overlap.zip', await overlappingArchive());
    expect(file.status).to.equal('rejected');
    expect(file.rejectionReason).to.equal('entry "b.txt" shares its data with another entry (overlapping-entry zip bomb)');
  });

  it('rejects bytes that only start like a ZIP archive', async () => {
    const fake = Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(300, 7)]);
    const { file } = await processed('fake.zip', fake);
    expect(file.status).to.equal('rejected');
    expect(file.rejectionReason).to.match(/not a readable ZIP archive/);
  });

  it('leaves a file alone when its job is delivered a second time', async () => {
    const { file } = await processed('again.png', await realPng(50, 50));
    const updatedAt = file.updatedAt.getTime();
    expect(await processFile(ctx, file.id)).to.deep.equal({ fileId: file.id, status: 'unchanged' });
    await file.reload();
    expect(file.updatedAt.getTime()).to.equal(updatedAt);
  });

  it('treats lost content as a deterministic failure, and the final-failure hook marks the file rejected', async () => {
    const file = await storeFile(owner.id, 'lost.png', await realPng(60, 40));
    await ctx.storage.delete(file.storageKey);
    let error: Error | undefined;
    await processFile(ctx, file.id).catch((err: Error) => (error = err));
    expect(error?.name).to.equal('UnrecoverableError');
    await failFile(ctx, file.id, error!);
    await file.reload();
    expect(file.status).to.equal('rejected');
    expect(file.rejectionReason).to.match(/^the file could not be processed: No stored object/);
  });

  it('leaves the file processing and throws a retryable error when storage cannot be read', async () => {
    const file = await storeFile(owner.id, 'io.png', await realPng(70, 30));
    // a root below a regular file: every open fails with ENOTDIR, a real I/O error
    const broken: FileProcessingContext = { deps: workerDeps, storage: new LocalStorage('/dev/null/uploads') };
    let error: Error | undefined;
    await processFile(broken, file.id).catch((err: Error) => (error = err));
    expect(error).to.be.instanceOf(Error);
    expect(error!.name).to.not.equal('UnrecoverableError');
    await file.reload();
    expect(file.status).to.equal('processing');

    await failFile(broken, file.id, error!);
    await file.reload();
    expect(file.status).to.equal('rejected');
    // the driver's message (paths, hosts) is logged, not shown to the owner
    expect(file.rejectionReason).to.equal('the file could not be processed: storage was unavailable, upload it again');
  });

  describe('with a live socket', () => {
    let live: LiveServer;
    before(async () => {
      live = await startLiveServer();
    });
    after(async () => {
      await live.close();
    });

    it('tells the owner over the realtime channel when processing ends', async () => {
      const listener = await createUser({ role: 'student' });
      const socket = await connectClient(live.url, bearer(listener).Authorization.slice('Bearer '.length));
      try {
        const file = await storeFile(listener.id, 'notify.zip', await zipSlipArchive());
        const event = nextEvent<{ fileId: string; status: string; reason: string }>(socket, 'file:processed');
        await processFile(ctx, file.id);
        const payload = await event;
        expect(payload).to.include({ fileId: file.id, status: 'rejected' });
        expect(payload.reason).to.include('zip slip');
      } finally {
        socket.close();
      }
    });
  });

  it('processes an uploaded PNG through a real BullMQ worker, after which its thumbnail is served', async () => {
    const worker = startQueueWorker(workerDeps, 'file-processing', fileProcessingProcessor(workerDeps), 1);
    const events = new QueueEvents('file-processing', {
      connection: workerDeps.redis.duplicate() as ConnectionOptions,
      prefix: bullPrefix(workerDeps.config),
    });
    try {
      await events.waitUntilReady();
      const file = await storeFile(owner.id, 'roundtrip.png', await realPng(800, 200));
      const job = await apiDeps().queues['file-processing'].getJob(`file-${file.id}`);
      const result = await job!.waitUntilFinished(events, 15_000);
      expect(result).to.deep.equal({ fileId: file.id, status: 'ready' });
      await file.reload();
      expect(file.metadata).to.include({ width: 800, height: 200 });
      const thumb = await request(app()).get(`/api/v2/files/${file.id}/thumbnail`).set(bearer(owner)).buffer(true);
      expect(thumb.status).to.equal(200);
      expect(thumb.headers['content-type']).to.equal('image/webp');
      expect(await sharp(thumb.body as Buffer).metadata()).to.include({ width: 320, height: 80 });
    } finally {
      await events.close();
      await closeWorkers([worker], 5000);
    }
  });
});
