import path from 'node:path';
import type { Config } from '../config';
import type { StorageDriverName } from '../models/file';
import { LocalStorage } from './local';
import { CloudinaryStorage } from './cloudinary';
import type { Storage } from './types';

export { LocalStorage, CloudinaryStorage };
export { StorageObjectMissingError, type Storage } from './types';

/** The driver new files are written to: Cloudinary when CLOUDINARY_URL is set, the local disk otherwise. */
export function createStorage(config: Pick<Config, 'rootDir' | 'uploads'>): Storage {
  if (config.uploads.cloudinaryUrl) return new CloudinaryStorage(config.uploads.cloudinaryUrl);
  return new LocalStorage(path.resolve(config.rootDir, config.uploads.dir));
}

/**
 * The driver a stored row names, which is not always the one new files go to (the setting may have
 * changed since the file was written). Returns undefined when that driver cannot be built here.
 */
export function storageFor(driver: StorageDriverName, config: Pick<Config, 'rootDir' | 'uploads'>, current: Storage): Storage | undefined {
  if (driver === current.driver) return current;
  if (driver === 'local') return new LocalStorage(path.resolve(config.rootDir, config.uploads.dir));
  if (driver === 'cloudinary' && config.uploads.cloudinaryUrl) return new CloudinaryStorage(config.uploads.cloudinaryUrl);
  return undefined;
}
