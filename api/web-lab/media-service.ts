import type { Readable } from 'node:stream';
import { NotFoundError } from '../../common/errors';
import { createStorage, StorageObjectMissingError, type Storage } from '../../common/storage';
import type { Config } from '../../common/config';
import type { Actor } from '../access/classrooms';
import { findReadableVersion } from './access';

/** A version's screenshot (1280×800 PNG) or thumbnail (webp), for whoever may read the version. */
export class WebMediaService {
  private readonly storage: Storage;

  constructor(config: Pick<Config, 'rootDir' | 'uploads'>, storage?: Storage) {
    this.storage = storage ?? createStorage(config);
  }

  async screenshot(user: Actor, versionId: string, size: 'full' | 'thumbnail'): Promise<{ stream: Readable; contentType: string }> {
    const v = await findReadableVersion(user, versionId);
    const key = size === 'full' ? v.screenshotKey : v.thumbnailKey;
    if (!key) throw new NotFoundError('Screenshot');
    try {
      return { stream: await this.storage.get(key), contentType: size === 'full' ? 'image/png' : 'image/webp' };
    } catch (err) {
      if (err instanceof StorageObjectMissingError) throw new NotFoundError('Screenshot');
      throw err;
    }
  }
}
