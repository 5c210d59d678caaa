/**
 * A minimal ustar writer: Docker's putArchive takes a tar, and the program's files are a handful of
 * small text files. Entries carry the sandbox user's uid/gid so the unprivileged compile step can
 * write next to them.
 */
export interface TarEntry {
  name: string;
  /** undefined for a directory */
  content?: string;
  uid: number;
  gid: number;
}

function header(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  const put = (value: string, offset: number, length: number) => h.write(value, offset, length, 'utf8');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
  const dir = entry.content === undefined;
  put(dir && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name, 0, 100);
  put(octal(dir ? 0o755 : 0o644, 8), 100, 8);
  put(octal(entry.uid, 8), 108, 8);
  put(octal(entry.gid, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put('        ', 148, 8);
  put(dir ? '5' : '0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = entry.content === undefined ? Buffer.alloc(0) : Buffer.from(entry.content, 'utf8');
    parts.push(header(entry, body.length), body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}
