import type { CodeFile, CodingLanguage } from '../../common/models';
import { PayloadTooLargeError } from '../../common/errors';
import { MAX_SOURCE_BYTES, type FileInput } from './schemas';

/** The entry point's name when the code comes as a single `source` string. */
export const DEFAULT_FILE_NAME: Record<CodingLanguage, string> = {
  javascript: 'main.js',
  python: 'main.py',
  c: 'main.c',
  cpp: 'main.cpp',
  java: 'Main.java',
};

/** `files` or `source` as a list of files, refused with 413 past 64 KB in total. */
export function sourceFiles(language: CodingLanguage, input: { files?: FileInput[]; source?: string }): CodeFile[] {
  const files = input.files ?? [{ name: DEFAULT_FILE_NAME[language], content: input.source ?? '' }];
  const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.content, 'utf8'), 0);
  if (bytes > MAX_SOURCE_BYTES) {
    throw new PayloadTooLargeError(`Source files may hold ${MAX_SOURCE_BYTES / 1024} KB in total`, {
      bytes,
      maxBytes: MAX_SOURCE_BYTES,
    });
  }
  return files.map((f) => ({ name: f.name, content: f.content }));
}
