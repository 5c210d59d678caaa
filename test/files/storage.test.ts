import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { CloudinaryStorage, LocalStorage, StorageObjectMissingError, createStorage, type Storage } from '../../common/storage';
import { parseCloudinaryUrl } from '../../common/storage/cloudinary';
import { testConfig } from '../support/deps';
import { streamToBuffer } from './fixtures';

/** The behaviour every driver must have; run against each driver that can be reached here. */
function behavesAsStorage(make: () => Storage) {
  const key = () => `test/${crypto.randomUUID()}`;

  it('gives back exactly the bytes put from a buffer', async () => {
    const storage = make();
    const k = key();
    const bytes = crypto.randomBytes(10_000);
    await storage.put(k, bytes, 'application/octet-stream');
    expect(Buffer.compare(await streamToBuffer(await storage.get(k)), bytes)).to.equal(0);
    await storage.delete(k);
  });

  it('gives back exactly the bytes put from a stream', async () => {
    const storage = make();
    const k = key();
    const parts = [crypto.randomBytes(3000), crypto.randomBytes(5000)];
    await storage.put(k, Readable.from(parts), 'application/octet-stream');
    expect(Buffer.compare(await streamToBuffer(await storage.get(k)), Buffer.concat(parts))).to.equal(0);
    await storage.delete(k);
  });

  it('reports a missing object as StorageObjectMissingError, after delete too', async () => {
    const storage = make();
    const k = key();
    await storage.put(k, Buffer.from('x'), 'text/plain');
    await storage.delete(k);
    let error: unknown;
    await storage.get(k).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(StorageObjectMissingError);
  });

  it('deletes a missing key without complaint', async () => {
    await make().delete(key());
  });

  it('refuses keys that could leave its root', async () => {
    const storage = make();
    for (const bad of ['../etc/passwd', 'a/../../b', '/abs', 'a//b', 'a\\b']) {
      let error: Error | undefined;
      await storage.put(bad, Buffer.from('x'), 'text/plain').catch((err: Error) => (error = err));
      expect(error?.message, bad).to.match(/Unsafe storage key/);
    }
  });
}

describe('file storage', () => {
  describe('local disk driver', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-storage-test-'));
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    behavesAsStorage(() => new LocalStorage(root));

    it('leaves no partial file behind', async () => {
      const storage = new LocalStorage(root);
      await storage.put('partial/check', crypto.randomBytes(100), 'application/octet-stream');
      expect(fs.readdirSync(path.join(root, 'partial'))).to.deep.equal(['check']);
    });

    it('is the driver chosen when CLOUDINARY_URL is not set, rooted at UPLOAD_DIR', () => {
      const storage = createStorage(testConfig({ UPLOAD_DIR: root }));
      expect(storage).to.be.instanceOf(LocalStorage);
      expect((storage as LocalStorage).root).to.equal(root);
    });
  });

  describe('Cloudinary driver', () => {
    before(function () {
      if (!process.env.CLOUDINARY_URL) {
        console.log('      (skipped: set CLOUDINARY_URL=cloudinary://key:secret@cloud to run the Cloudinary driver tests)');
        this.skip();
      }
    });
    behavesAsStorage(() => new CloudinaryStorage(process.env.CLOUDINARY_URL!, `gema-test-${process.pid}`));

    it('is the driver chosen when CLOUDINARY_URL is set', () => {
      expect(createStorage(testConfig({ CLOUDINARY_URL: process.env.CLOUDINARY_URL! }))).to.be.instanceOf(CloudinaryStorage);
    });
  });

  describe('CLOUDINARY_URL', () => {
    it('is read as api key, api secret and cloud name', () => {
      expect(parseCloudinaryUrl('cloudinary://1234:s%2Fcret@school-cloud')).to.deep.equal({
        cloudName: 'school-cloud',
        apiKey: '1234',
        apiSecret: 's/cret',
      });
    });

    it('is refused without credentials', () => {
      expect(() => parseCloudinaryUrl('cloudinary://school-cloud')).to.throw(/CLOUDINARY_URL must look like/);
    });
  });
});
