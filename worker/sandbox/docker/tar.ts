import { pack } from 'tar-stream';

/**
 * The archive Docker's putArchive takes: the program's files, owned by the sandbox user so the
 * unprivileged compile step can write next to them. Written with tar-stream (a maintained ustar/pax
 * writer) rather than by hand.
 */
export interface TarEntry {
  name: string;
  /** undefined for a directory */
  content?: string;
  uid: number;
  gid: number;
}

export async function tar(entries: TarEntry[]): Promise<Buffer> {
  const archive = pack();
  for (const entry of entries) {
    const owner = { uid: entry.uid, gid: entry.gid };
    if (entry.content === undefined)
      archive.entry({ name: entry.name.endsWith('/') ? entry.name : `${entry.name}/`, type: 'directory', mode: 0o755, ...owner });
    else archive.entry({ name: entry.name, type: 'file', mode: 0o644, ...owner }, Buffer.from(entry.content, 'utf8'));
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
