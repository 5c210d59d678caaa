import { BadRequestError, PayloadTooLargeError } from '../errors';
import { fileBytes, type WebFile } from './types';

export interface TreeLimits {
  maxFiles: number;
  maxBytes: number;
}

const TEXT_EXTENSIONS = new Set(['html', 'htm', 'css', 'js', 'mjs', 'json', 'svg', 'txt', 'md', 'xml', 'csv']);
const MAX_PATH_LENGTH = 200;

// split always yields at least one piece: a name without a dot is its own (unknown) extension
export const isTextPath = (path: string) => TEXT_EXTENSIONS.has(path.split('.').pop()!.toLowerCase());

const refuse = (path: string, why: string) => new BadRequestError('INVALID_PATH', `"${path}" ${why}`, { path });

/**
 * The canonical form of a path in a project (`./css//style.css` → `css/style.css`), or a 400 naming
 * the path when it could point outside the project: `..`, an absolute or drive path, a backslash
 * (Windows separators are refused rather than guessed at), NUL or another control character.
 */
export function normalisePath(raw: string): string {
  if (raw.includes('\0')) return fail(raw, 'contains a NUL byte');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0001-\u001f\u007f]/.test(raw)) return fail(raw, 'contains a control character');
  if (raw.includes('\\')) return fail(raw, 'contains a backslash');
  if (raw.startsWith('/') || /^[a-zA-Z]:/.test(raw)) return fail(raw, 'is an absolute path');
  const segments = raw
    .normalize('NFC')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return fail(raw, 'has a ".." segment');
  const path = segments.join('/');
  if (!path) return fail(raw, 'is empty');
  if (path.length > MAX_PATH_LENGTH) return fail(raw, `is longer than ${MAX_PATH_LENGTH} characters`);
  return path;
}

function fail(raw: string, why: string): never {
  throw refuse(raw, why);
}

/**
 * A project's files with every path normalised, checked against the caps: at most `maxFiles` files
 * and `maxBytes` bytes of decoded content, no two files at one path (after normalisation, so
 * `a.css` and `./a.css` collide). Sorted by path, so equal trees are stored equally.
 */
export function validateTree(files: WebFile[], limits: TreeLimits): WebFile[] {
  if (files.length > limits.maxFiles) {
    throw new BadRequestError('TOO_MANY_FILES', `A project holds at most ${limits.maxFiles} files; this one has ${files.length}`);
  }
  const seen = new Set<string>();
  let total = 0;
  const out = files.map((f) => {
    const path = normalisePath(f.path);
    if (seen.has(path.toLowerCase())) throw refuse(f.path, 'appears twice');
    seen.add(path.toLowerCase());
    if (f.encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(f.content)) throw refuse(f.path, 'is not valid base64');
    total += fileBytes(f);
    if (total > limits.maxBytes) throw new PayloadTooLargeError(`A project holds at most ${limits.maxBytes} bytes`, { path: f.path });
    return { path, encoding: f.encoding, content: f.content };
  });
  // paths are unique here (a second one was refused above), so no two compare equal
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
