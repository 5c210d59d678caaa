import yauzl from 'yauzl';
import { BadRequestError, PayloadTooLargeError } from '../errors';
import { isTextPath, normalisePath, type TreeLimits } from './file-tree';
import type { WebFile } from './types';

/**
 * Extracts a project from a ZIP by streaming each entry, counting the bytes the inflater actually
 * produces against the caps: the sizes an archive declares are never trusted, so a bomb stops at
 * `maxBytes` + one chunk whatever its headers say. Directory entries are skipped; each name goes
 * through the same path rules as JSON files (400 naming the path).
 */
export async function extractZip(buf: Buffer, limits: TreeLimits): Promise<WebFile[]> {
  let zip: yauzl.ZipFile;
  try {
    // validateEntrySizes off: our own count decides, and a lying header is then just a smaller file
    zip = await yauzl.fromBufferPromise(buf, { decodeStrings: true, validateEntrySizes: false, strictFileNames: false });
  } catch (err) {
    throw new BadRequestError('INVALID_ARCHIVE', `Not a readable ZIP archive: ${(err as Error).message}`);
  }
  const files: WebFile[] = [];
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const path = normalisePath(entry.fileName);
      if (files.length >= limits.maxFiles) {
        throw new BadRequestError('TOO_MANY_FILES', `A project holds at most ${limits.maxFiles} files`);
      }
      const chunks: Buffer[] = [];
      const stream = await zip.openReadStreamPromise(entry);
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > limits.maxBytes) {
          stream.destroy();
          throw new PayloadTooLargeError(`The archive expands beyond ${limits.maxBytes} bytes`, { path });
        }
        chunks.push(chunk);
      }
      const data = Buffer.concat(chunks);
      files.push(
        isTextPath(path)
          ? { path, encoding: 'utf8', content: data.toString('utf8') }
          : { path, encoding: 'base64', content: data.toString('base64') },
      );
    }
  } catch (err) {
    if ((err as { status?: number }).status) throw err;
    const message = (err as Error).message;
    if (/absolute path|invalid relative path|invalid characters in fileName/.test(message)) {
      throw new BadRequestError('INVALID_PATH', message);
    }
    throw new BadRequestError('INVALID_ARCHIVE', `Not a readable ZIP archive: ${message}`);
  } finally {
    zip.close();
  }
  return files;
}
