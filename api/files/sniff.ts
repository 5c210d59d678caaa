import fs from 'node:fs';
import crypto from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';

export interface SniffedType {
  ext: string;
  mime: string;
  /** true when decided by the text check rather than by magic bytes */
  text: boolean;
}

type FileTypeModule = typeof import('file-type');
let fileTypeModule: Promise<FileTypeModule> | undefined;

/**
 * `file-type` is ESM-only and this tree compiles to CommonJS; under `nodenext` TypeScript keeps a
 * dynamic `import()` as is, so Node loads the ESM build once, on first use.
 */
function loadFileType(): Promise<FileTypeModule> {
  fileTypeModule ??= import('file-type');
  return fileTypeModule;
}

/**
 * Plain-text formats, by extension: magic bytes cannot tell text formats apart, so for content that
 * passes the text check the (sanitised) name decides which one it is.
 */
export const TEXT_TYPES: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  xml: 'application/xml',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  svg: 'image/svg+xml',
  js: 'text/javascript',
  mjs: 'text/javascript',
  cjs: 'text/javascript',
  ts: 'text/x-typescript',
  jsx: 'text/javascript',
  tsx: 'text/x-typescript',
  py: 'text/x-python',
  java: 'text/x-java',
  c: 'text/x-c',
  h: 'text/x-c',
  cpp: 'text/x-c++',
  cc: 'text/x-c++',
  hpp: 'text/x-c++',
  cs: 'text/x-csharp',
  go: 'text/x-go',
  rs: 'text/x-rust',
  php: 'text/x-php',
  rb: 'text/x-ruby',
  kt: 'text/x-kotlin',
  swift: 'text/x-swift',
  sql: 'application/sql',
  sh: 'text/x-shellscript',
  ipynb: 'application/x-ipynb+json',
};

const XML_TEXT_EXTS = new Set(['svg', 'xml']);

/** Spellings people put in allow-lists that file-type reports differently. */
const EXT_ALIASES: Record<string, string> = { jpeg: 'jpg', tif: 'tiff', htm: 'html', yml: 'yaml', markdown: 'md' };

const normaliseExt = (ext: string) => {
  const e = ext.trim().toLowerCase().replace(/^\./, '');
  return EXT_ALIASES[e] ?? e;
};

/**
 * Whether a sniffed type is on an allow-list of extensions (`pdf`, `.png`) and/or MIME types
 * (`application/pdf`, `image/*`).
 */
export function isAllowed(type: SniffedType, allowed: string[]): boolean {
  const ext = normaliseExt(type.ext);
  return allowed.some((entry) => {
    const item = entry.trim().toLowerCase();
    if (!item) return false;
    if (item.includes('/')) {
      if (item.endsWith('/*')) return type.mime.startsWith(item.slice(0, -1));
      return item === type.mime;
    }
    return normaliseExt(item) === ext;
  });
}

export interface ContentFacts {
  sha256: string;
  size: number;
  /** valid UTF-8 (a BOM is fine) with no NUL byte anywhere */
  looksLikeText: boolean;
}

/** One pass over the file: its hash, its real size, and whether it reads as text. */
export async function readFacts(file: string): Promise<ContentFacts> {
  const hash = crypto.createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let looksLikeText = true;
  let size = 0;
  await pipeline(
    fs.createReadStream(file),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        if (looksLikeText) {
          if (chunk.includes(0)) looksLikeText = false;
          else {
            try {
              decoder.decode(chunk, { stream: true });
            } catch {
              looksLikeText = false;
            }
          }
        }
        done();
      },
    }),
  );
  if (looksLikeText) {
    try {
      decoder.decode();
    } catch {
      looksLikeText = false;
    }
  }
  return { sha256: hash.digest('hex'), size, looksLikeText };
}

/**
 * The file's real type: magic bytes first (`file-type`), then, for content with no signature that
 * reads as text, the text format its name claims. Undefined when neither says anything.
 */
export async function sniffType(file: string, name: string, looksLikeText: boolean): Promise<SniffedType | undefined> {
  const { fileTypeFromFile } = await loadFileType();
  const found = await fileTypeFromFile(file);
  const ext = normaliseExt(path.extname(name).slice(1));
  // an XML prolog is all file-type sees; an SVG (or other XML text format) is still that format
  if (found?.mime === 'application/xml' && looksLikeText && XML_TEXT_EXTS.has(ext)) {
    return { ext, mime: TEXT_TYPES[ext]!, text: true };
  }
  if (found) return { ext: found.ext, mime: found.mime, text: false };
  if (!looksLikeText) return undefined;
  const mime = TEXT_TYPES[ext] ?? (ext === '' ? 'text/plain' : undefined);
  if (!mime) return undefined;
  return { ext: ext || 'txt', mime, text: true };
}

/**
 * A name safe to show and to put in a Content-Disposition header: no directories, no control or
 * bidi-override characters, no leading dots, at most 200 characters (keeping the extension).
 */
export function sanitiseFilename(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  let name = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what a file name must lose
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/["<>:|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  if (name.length > 200) {
    const ext = path.extname(name).slice(0, 20);
    name = name.slice(0, 200 - ext.length) + ext;
  }
  return name || 'file';
}
