import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { expect } from 'chai';
import { apiDeps } from '../support/deps';
import { createUser } from '../support/factories';
import { FileService, toPublicFile } from '../../api/files/service';
import { StoredFile } from '../../common/models';
import type { Queues } from '../../common/queues';
import type { Storage } from '../../common/storage';
import { asUpload, realPdf } from './fixtures';

/** A storage that keeps keys in memory, and fails `put` when told to. */
class MemoryStorage implements Storage {
  readonly driver = 'local' as const;
  readonly keys = new Set<string>();
  constructor(private readonly failPut = false) {}
  async put(key: string, body: Readable | Buffer): Promise<void> {
    if (this.failPut) throw new Error('disk full');
    if (!Buffer.isBuffer(body)) for await (const _chunk of body);
    this.keys.add(key);
  }
  async get(): Promise<Readable> {
    throw new Error('not used');
  }
  async delete(key: string): Promise<void> {
    this.keys.delete(key);
  }
}

const unique = () => Buffer.concat([realPdf(), Buffer.from(`%${crypto.randomUUID()}\n`)]);
const input = (ownerId: string, content = unique()) => ({
  ownerId,
  upload: asUpload('notes.pdf', content),
  allowedTypes: ['pdf'],
  maxBytes: 1_000_000,
});

describe('Storing a file when something fails', () => {
  it('passes on a storage failure and keeps no row', async () => {
    const owner = await createUser();
    const files = new FileService(apiDeps(), new MemoryStorage(true));
    const err = await files.store(input(owner.id)).catch((e: Error) => e);
    expect((err as Error).message).to.equal('disk full');
    expect(await StoredFile.count({ where: { ownerId: owner.id } })).to.equal(0);
  });

  it('removes the stored bytes again when the row cannot be written', async () => {
    const storage = new MemoryStorage();
    const files = new FileService(apiDeps(), storage);
    // no such user: the row's owner reference is refused
    const err = await files.store(input(crypto.randomUUID())).catch((e: Error) => e);
    expect((err as Error).name).to.equal('SequelizeForeignKeyConstraintError');
    expect([...storage.keys]).to.deep.equal([]);
  });

  it('removes the row and the bytes when the processing job cannot be queued', async () => {
    const owner = await createUser();
    const storage = new MemoryStorage();
    const queueAway = {
      'file-processing': {
        add: () => Promise.reject(new Error('Connection is closed.')),
      },
    } as unknown as Queues;
    const files = new FileService({ ...apiDeps(), queues: queueAway }, storage);
    const err = await files.store(input(owner.id)).catch((e: Error) => e);
    expect((err as Error).message).to.equal('Connection is closed.');
    expect(await StoredFile.count({ where: { ownerId: owner.id } })).to.equal(0);
    expect([...storage.keys]).to.deep.equal([]);
  });

  it('refuses a file whose bytes on disk exceed the cap although the upload said less', async () => {
    const owner = await createUser();
    const upload = asUpload('notes.pdf', unique());
    fs.appendFileSync(upload.path, Buffer.alloc(2_000));
    const err = await new FileService(apiDeps(), new MemoryStorage())
      .store({ ownerId: owner.id, upload, allowedTypes: ['pdf'], maxBytes: upload.size + 100 })
      .catch((e: { status?: number }) => e);
    expect((err as { status: number }).status).to.equal(413);
  });

  it('refuses to read a file kept by a storage driver this process has not configured', () => {
    const files = new FileService({
      ...apiDeps(),
      config: { ...apiDeps().config, uploads: { ...apiDeps().config.uploads, cloudinaryUrl: undefined } },
    });
    expect(() => files.storageOf({ storageDriver: 'cloudinary' })).to.throw(/cloudinary is not configured/);
  });
});

describe('A file as shown to clients', () => {
  const row = (metadata: StoredFile['metadata']) =>
    ({
      id: crypto.randomUUID(),
      originalName: 'a.png',
      mimeType: 'image/png',
      size: 1,
      status: 'ready',
      metadata,
      createdAt: new Date(),
    }) as StoredFile;

  it('has empty metadata while processing has not written any', () => {
    expect(toPublicFile(row({})).metadata).to.deep.equal({});
  });

  it('shows the dimensions and archive figures processing found, and nothing else', () => {
    const meta = { width: 4, height: 3, entryCount: 2, uncompressedBytes: 99, format: 'png' } as StoredFile['metadata'];
    expect(toPublicFile(row(meta)).metadata).to.deep.equal({ width: 4, height: 3, entryCount: 2, uncompressedBytes: 99 });
  });
});
