import yauzl from 'yauzl';

/**
 * The one ZIP inspector of the tree (uploaded files in the worker, web-lab projects in the API).
 * Every entry is inflated as a stream and its bytes counted as they come out; the sizes an archive
 * declares are never trusted, so an archive that declares 1,000 bytes and inflates to 200 MB stops
 * at the first cap it crosses, one chunk past it. yauzl's own size validation runs as well: an
 * entry that inflates to more (or less) than its header says is refused as unreadable.
 */
export interface ZipLimits {
  maxEntries: number;
  /** real inflated bytes of all entries together */
  maxUncompressedBytes: number;
  /** real inflated bytes of one entry */
  maxEntryBytes: number;
  /** inflated : compressed, per entry and overall, once past `ratioMinBytes` */
  maxRatio: number;
  /** small entries may compress very well (a file of spaces); the ratio rule applies above this */
  ratioMinBytes: number;
}

export type RefusalKind = 'unreadable' | 'too-many-entries' | 'unsafe-name' | 'overlapping' | 'too-large' | 'bomb';

/** Why an archive is refused; `entry` names the entry when one is to blame. */
export class ArchiveRefusedError extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
    readonly entry?: string,
  ) {
    super(message);
    this.name = 'ArchiveRefusedError';
  }
}

export interface InspectedEntry {
  name: string;
  directory: boolean;
  compressedSize: number;
  /** the bytes the entry really inflated to */
  size: number;
}

export interface InspectOptions {
  /** called before an entry's data is read; may throw to refuse it (its error propagates as is) */
  onEntry?: (entry: { name: string; directory: boolean }) => void;
  /** called with each file entry's inflated bytes; without it the bytes are counted and dropped */
  onData?: (entry: InspectedEntry, data: Buffer) => void;
}

/** Why a name could escape an extraction directory, or undefined when it cannot. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash';
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/')) return 'is an absolute path';
  if (name.split('/').includes('..')) return 'has a ".." segment';
  return undefined;
}

// yauzl's own name checks fire before ours can see the entry
const YAUZL_NAME_ERROR = /absolute path|invalid relative path|invalid characters in fileName/;

function refusalOf(err: unknown): ArchiveRefusedError {
  if (err instanceof ArchiveRefusedError) return err;
  const message = (err as Error).message;
  if (YAUZL_NAME_ERROR.test(message)) return new ArchiveRefusedError('unsafe-name', `${message} (zip slip)`);
  return new ArchiveRefusedError('unreadable', `not a readable ZIP archive: ${message}`);
}

/**
 * Reads the archive entry by entry and throws `ArchiveRefusedError` at the first rule it breaks:
 * an entry that escapes the target directory (zip slip), more than `maxEntries` entries, two
 * entries sharing their data (the overlapping-entry bomb), an entry or the archive inflating past
 * its byte cap or its ratio. The declared sizes are checked first, so an honest bomb is refused
 * before any inflating; the real bytes decide in the end.
 */
export async function inspectZip(
  buf: Buffer,
  limits: ZipLimits,
  options: InspectOptions = {},
): Promise<{ entries: InspectedEntry[]; uncompressedBytes: number }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buf, { decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    throw refusalOf(err);
  }
  // an error the caller's callbacks throw is theirs and goes out as it is; any other is yauzl's
  // (boxed, so a thrown string or undefined is recognised as theirs too)
  let own: { thrown: unknown } | undefined;
  const call = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      own = { thrown: err };
      throw err;
    }
  };
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new ArchiveRefusedError('too-many-entries', `the archive has ${zip.entryCount} entries; at most ${limits.maxEntries} are allowed`);
    }
    const entries: InspectedEntry[] = [];
    const dataOffsets = new Set<number>();
    let total = 0;
    let declaredTotal = 0;
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      const unsafe = unsafeEntryName(name);
      if (unsafe) throw new ArchiveRefusedError('unsafe-name', `entry "${name}" ${unsafe} (zip slip)`, name);
      if (dataOffsets.has(entry.relativeOffsetOfLocalHeader)) {
        throw new ArchiveRefusedError('overlapping', `entry "${name}" shares its data with another entry (overlapping-entry zip bomb)`, name);
      }
      dataOffsets.add(entry.relativeOffsetOfLocalHeader);
      const directory = name.endsWith('/');
      if (options.onEntry) call(() => options.onEntry!({ name, directory }));

      // what the headers admit to is refused without inflating a byte
      declaredTotal += entry.uncompressedSize;
      checkSize(limits, name, entry.uncompressedSize, declaredTotal, entry.compressedSize);

      const inspected: InspectedEntry = { name, directory, compressedSize: entry.compressedSize, size: 0 };
      if (!directory) {
        const chunks: Buffer[] = [];
        const stream = await zip.openReadStreamPromise(entry);
        try {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            inspected.size += chunk.length;
            total += chunk.length;
            checkSize(limits, name, inspected.size, total, entry.compressedSize);
            if (options.onData) chunks.push(chunk);
          }
        } catch (err) {
          // yauzl's size validation: the entry inflates past what its header declares
          if (/too many bytes in the stream/.test((err as Error).message)) {
            throw new ArchiveRefusedError(
              'bomb',
              `entry "${name}" inflates to more than the ${entry.uncompressedSize} bytes its header declares (zip bomb)`,
              name,
            );
          }
          throw err;
        } finally {
          stream.destroy();
        }
        if (options.onData) call(() => options.onData!(inspected, Buffer.concat(chunks)));
      }
      entries.push(inspected);
    }
    const overall = total / Math.max(buf.length, 1);
    if (total >= limits.ratioMinBytes && overall > limits.maxRatio) {
      throw new ArchiveRefusedError('bomb', `the archive expands ${Math.round(overall)}:1 overall (zip bomb)`);
    }
    return { entries, uncompressedBytes: total };
  } catch (err) {
    if (own && own.thrown === err) throw err;
    throw refusalOf(err);
  } finally {
    zip.close();
  }
}

function checkSize(limits: ZipLimits, name: string, entryBytes: number, totalBytes: number, compressedSize: number): void {
  if (totalBytes > limits.maxUncompressedBytes) {
    throw new ArchiveRefusedError('too-large', `the archive expands to more than ${limits.maxUncompressedBytes} bytes`, name);
  }
  if (entryBytes > limits.maxEntryBytes) {
    throw new ArchiveRefusedError('too-large', `entry "${name}" expands to more than ${limits.maxEntryBytes} bytes`, name);
  }
  const ratio = entryBytes / Math.max(compressedSize, 1);
  if (entryBytes >= limits.ratioMinBytes && ratio > limits.maxRatio) {
    throw new ArchiveRefusedError('bomb', `entry "${name}" expands ${Math.round(ratio)}:1 (zip bomb)`, name);
  }
}
