import yauzl from 'yauzl';
import type { ArchiveEntry } from '../../common/models';

export const ZIP_LIMITS = {
  maxEntries: 1000,
  maxUncompressedBytes: 100 * 1024 * 1024,
  /** deflate of ordinary files stays far below this; zeros reach ~1000:1 */
  maxRatio: 100,
  /** small entries may compress very well (a file of spaces); the ratio rule applies above this */
  ratioMinBytes: 1024 * 1024,
};
export type ZipLimits = typeof ZIP_LIMITS;

export type ArchiveVerdict = { ok: true; entries: ArchiveEntry[]; uncompressedBytes: number } | { ok: false; reason: string };

const reject = (reason: string): ArchiveVerdict => ({ ok: false, reason });

/** Why a name could escape an extraction directory, or undefined when it cannot. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash';
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/')) return 'is an absolute path';
  if (name.split('/').includes('..')) return 'has a ".." segment';
  return undefined;
}

/**
 * Lists a ZIP archive from its central directory, reading no entry's data, and decides whether it
 * is safe for a teacher (or a grader) to extract: no entry that escapes the target directory (zip
 * slip), at most `maxEntries` entries, at most `maxUncompressedBytes` in all, no entry or archive
 * whose declared sizes expand beyond `maxRatio`:1, and no two entries sharing their data (the
 * overlapping-entries bomb). Every refusal is a verdict, not an exception: the content will never
 * get better by trying again.
 */
export async function inspectZip(buf: Buffer, limits: ZipLimits = ZIP_LIMITS): Promise<ArchiveVerdict> {
  let zip: yauzl.ZipFile;
  try {
    // strings are decoded (UTF-8 flag or CP437) and yauzl's own name checks run as well as ours
    zip = await yauzl.fromBufferPromise(buf, { decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    return reject(`not a readable ZIP archive: ${(err as Error).message}`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      return reject(`the archive has ${zip.entryCount} entries; at most ${limits.maxEntries} are allowed`);
    }
    const entries: ArchiveEntry[] = [];
    const dataOffsets = new Set<number>();
    let total = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        const name = entry.fileName;
        const unsafe = unsafeEntryName(name);
        if (unsafe) return reject(`entry "${name}" ${unsafe} (zip slip)`);
        if (dataOffsets.has(entry.relativeOffsetOfLocalHeader)) {
          return reject(`entry "${name}" shares its data with another entry (overlapping-entry zip bomb)`);
        }
        dataOffsets.add(entry.relativeOffsetOfLocalHeader);
        total += entry.uncompressedSize;
        if (total > limits.maxUncompressedBytes) {
          return reject(`the archive expands to more than ${limits.maxUncompressedBytes} bytes`);
        }
        const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
        if (entry.uncompressedSize >= limits.ratioMinBytes && ratio > limits.maxRatio) {
          return reject(`entry "${name}" expands ${Math.round(ratio)}:1 (zip bomb)`);
        }
        entries.push({
          name,
          size: entry.uncompressedSize,
          compressedSize: entry.compressedSize,
          directory: name.endsWith('/'),
        });
      }
    } catch (err) {
      const message = (err as Error).message;
      // yauzl's own name checks fire before ours can see the entry
      if (/absolute path|invalid relative path|invalid characters in fileName/.test(message)) {
        return reject(`${message} (zip slip)`);
      }
      return reject(`not a readable ZIP archive: ${message}`);
    }
    const overall = total / Math.max(buf.length, 1);
    if (total >= limits.ratioMinBytes && overall > limits.maxRatio) {
      return reject(`the archive expands ${Math.round(overall)}:1 overall (zip bomb)`);
    }
    return { ok: true, entries, uncompressedBytes: total };
  } finally {
    zip.close();
  }
}
