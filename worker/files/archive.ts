import type { ArchiveEntry } from '../../common/models';
import { ArchiveRefusedError, inspectZip as inspectArchive, type ZipLimits } from '../../common/archive/zip';

export { unsafeEntryName, type ZipLimits } from '../../common/archive/zip';

export const ZIP_LIMITS: ZipLimits = {
  maxEntries: 1000,
  maxUncompressedBytes: 100 * 1024 * 1024,
  maxEntryBytes: 50 * 1024 * 1024,
  /** deflate of ordinary files stays far below this; zeros reach ~1000:1 */
  maxRatio: 100,
  ratioMinBytes: 1024 * 1024,
};

export type ArchiveVerdict = { ok: true; entries: ArchiveEntry[]; uncompressedBytes: number } | { ok: false; reason: string };

/**
 * Decides whether an uploaded ZIP is safe for a teacher (or a grader) to extract, with the shared
 * inspector (common/archive/zip.ts): every entry is inflated and counted, so the sizes listed are
 * the real ones. Every refusal is a verdict, not an exception: the content will never get better
 * by trying again.
 */
export async function inspectZip(buf: Buffer, limits: ZipLimits = ZIP_LIMITS): Promise<ArchiveVerdict> {
  try {
    const { entries, uncompressedBytes } = await inspectArchive(buf, limits);
    return {
      ok: true,
      entries: entries.map((e) => ({ name: e.name, size: e.size, compressedSize: e.compressedSize, directory: e.directory })),
      uncompressedBytes,
    };
  } catch (err) {
    if (err instanceof ArchiveRefusedError) return { ok: false, reason: err.message };
    throw err;
  }
}
