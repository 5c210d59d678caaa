import fs from 'node:fs';
import path from 'node:path';

// Works from the sources (tsx) and from dist/ alike: migrations/ sits two levels above this file.
export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

const isMigrationFile = (file: string) => /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts');

/** The migration names as umzug records them (file name without .ts/.js), sorted, read without loading any. */
export function migrationNames(dir = MIGRATIONS_DIR): string[] {
  return [
    ...new Set(
      fs
        .readdirSync(dir)
        .filter(isMigrationFile)
        .map((f) => f.replace(/\.(ts|js)$/, '')),
    ),
  ].sort();
}
