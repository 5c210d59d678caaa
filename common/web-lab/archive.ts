import { BadRequestError, PayloadTooLargeError } from '../errors';
import { ArchiveRefusedError, inspectZip } from '../archive/zip';
import { isTextPath, normalisePath, type TreeLimits } from './file-tree';
import type { WebFile } from './types';

/** Deflate of real web files stays far below this; a project's files are small, so it applies from 1 MB. */
const MAX_RATIO = 100;
const RATIO_MIN_BYTES = 1024 * 1024;

/**
 * Extracts a project from a ZIP with the shared inspector (common/archive/zip.ts): each entry is
 * inflated as a stream and its real bytes counted against the caps, so a bomb stops at `maxBytes`
 * + one chunk whatever its headers say. Directory entries are skipped; each name goes through the
 * same path rules as JSON files (400 naming the path).
 */
export async function extractZip(buf: Buffer, limits: TreeLimits): Promise<WebFile[]> {
  const files: WebFile[] = [];
  const paths = new Map<string, string>();
  try {
    await inspectZip(
      buf,
      {
        // directories are entries too; the file count is checked below
        maxEntries: limits.maxFiles * 4,
        maxUncompressedBytes: limits.maxBytes,
        maxEntryBytes: limits.maxBytes,
        maxRatio: MAX_RATIO,
        ratioMinBytes: RATIO_MIN_BYTES,
      },
      {
        onEntry: ({ name, directory }) => {
          if (directory) return;
          paths.set(name, normalisePath(name));
          if (paths.size > limits.maxFiles) {
            throw new BadRequestError('TOO_MANY_FILES', `A project holds at most ${limits.maxFiles} files`);
          }
        },
        onData: (entry, data) => {
          const path = paths.get(entry.name)!;
          files.push(
            isTextPath(path)
              ? { path, encoding: 'utf8', content: data.toString('utf8') }
              : { path, encoding: 'base64', content: data.toString('base64') },
          );
        },
      },
    );
  } catch (err) {
    if (!(err instanceof ArchiveRefusedError)) throw err;
    const path = err.entry === undefined ? undefined : (paths.get(err.entry) ?? err.entry);
    switch (err.kind) {
      case 'too-large':
        throw new PayloadTooLargeError(`The archive expands beyond ${limits.maxBytes} bytes`, { path });
      case 'bomb':
        throw new PayloadTooLargeError(`The archive expands far beyond what it holds: ${err.message}`, { path });
      case 'unsafe-name':
        throw new BadRequestError('INVALID_PATH', err.message);
      case 'too-many-entries':
        throw new BadRequestError('TOO_MANY_FILES', `A project holds at most ${limits.maxFiles} files`);
      case 'overlapping':
        throw new BadRequestError('INVALID_ARCHIVE', err.message);
      case 'unreadable':
        throw new BadRequestError('INVALID_ARCHIVE', err.message.replace(/^not a readable/, 'Not a readable'));
    }
  }
  return files;
}
