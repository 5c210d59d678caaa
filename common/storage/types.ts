import type { Readable } from 'node:stream';
import type { StorageDriverName } from '../models/file';

/**
 * Where file bytes live. The API writes through it, the worker reads and writes thumbnails through
 * it, the file route streams from it. Keys are chosen by us (`<ownerId>/<fileId>[.suffix]`), never
 * by a client.
 */
export interface Storage {
  readonly driver: StorageDriverName;
  put(key: string, body: Readable | Buffer, mime: string): Promise<void>;
  /** Throws `StorageObjectMissingError` when nothing is stored under the key. */
  get(key: string): Promise<Readable>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

export class StorageObjectMissingError extends Error {
  constructor(readonly key: string) {
    super(`No stored object under ${key}`);
    this.name = 'StorageObjectMissingError';
  }
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,250}$/;

/** Keys are ours, but a driver still refuses anything that could leave its root. */
export function assertSafeKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
  }
}
