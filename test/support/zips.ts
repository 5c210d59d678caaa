/**
 * ZIP archives made in the test, good and hostile, for the archive check (test/unit) and the file
 * routes. Pure: nothing here touches a service, so unit tests may use it.
 */
import { Readable } from 'node:stream';
import yazl from 'yazl';

export interface ZipItem {
  name: string;
  data: Buffer;
}

export function makeZip(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) zip.addBuffer(item.data, item.name, { compress: true, mtime: new Date(2026, 0, 1) });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/**
 * yazl refuses to write an unsafe name, so the entry is written under a harmless name of the same
 * length and renamed in the bytes (local header and central directory; no checksum covers names).
 */
export async function zipSlipArchive(unsafeName = '../evil.sh'): Promise<Buffer> {
  const placeholder = 'x'.repeat(unsafeName.length);
  const zip = await makeZip([
    { name: 'readme.txt', data: Buffer.from('hello') },
    { name: placeholder, data: Buffer.from('#!/bin/sh\nrm -rf ~\n') },
  ]);
  return replaceAll(zip, Buffer.from(placeholder), Buffer.from(unsafeName));
}

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  const out = Buffer.from(buf);
  let at = out.indexOf(from);
  let count = 0;
  while (at !== -1) {
    to.copy(out, at);
    count++;
    at = out.indexOf(from, at + from.length);
  }
  if (count !== 2) throw new Error(`expected the name twice in the archive, found it ${count} times`);
  return out;
}

/** 50 MB of zeros in one entry: a ~50 kB archive that expands about 1000:1. */
export const zipBomb = () => makeZip([{ name: 'zeros.bin', data: Buffer.alloc(50 * 1024 * 1024) }]);

/**
 * Two central-directory entries pointing at the same local data, the trick of the "better zip
 * bomb" (overlapping entries): the second entry's local-header offset is set to the first one's.
 */
export async function overlappingArchive(): Promise<Buffer> {
  const zip = await makeZip([
    { name: 'a.txt', data: Buffer.from('same size 1') },
    { name: 'b.txt', data: Buffer.from('same size 2') },
  ]);
  const central = Buffer.from('504b0102', 'hex');
  const first = zip.indexOf(central);
  const second = zip.indexOf(central, first + 4);
  if (first < 0 || second < 0) throw new Error('expected two central directory headers');
  zip.writeUInt32LE(zip.readUInt32LE(first + 42), second + 42);
  return zip;
}

/**
 * An archive whose headers lie: one entry of `realBytes` zeros (streamed in, so no buffer that
 * size is made) whose central directory and data descriptor declare `declaredBytes`. A check that
 * trusts the declared size sees a small, harmless file.
 */
export async function lyingArchive(realBytes: number, declaredBytes = 1000): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const chunk = Buffer.alloc(64 * 1024);
  let left = realBytes;
  const zeros = new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(chunk.subarray(0, n));
    },
  });
  zip.addReadStream(zeros, 'notes.txt', { compress: true, mtime: new Date(2026, 0, 1) });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  const out = Buffer.concat(chunks);
  const central = out.indexOf(Buffer.from('504b0102', 'hex'));
  const descriptor = out.indexOf(Buffer.from('504b0708', 'hex'));
  if (central < 0 || descriptor < 0) throw new Error('expected a central directory header and a data descriptor');
  if (out.readUInt32LE(central + 24) !== realBytes) throw new Error('unexpected central directory layout');
  out.writeUInt32LE(declaredBytes, central + 24);
  out.writeUInt32LE(declaredBytes, descriptor + 12);
  return out;
}
