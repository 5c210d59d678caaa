import type { Migration } from './migrator';

export interface BundledMigration {
  /** as umzug records it: the file name without .ts/.js */
  name: string;
  /** evaluates the migration's module only when its step runs, as a required file would be */
  load: () => Migration;
}

/**
 * The migrations compiled into this process's bundle, or undefined when it runs from separate files
 * (tsx, tsc's dist/), where the migrator finds them by path. scripts/bundle.ts replaces this module in
 * a bundle with one that lists every file of migrations/: a bundled process then reads and compiles
 * no file per migration (`npm start`'s database step: ~27 files resolved and compiled one by one).
 */
export const BUNDLED_MIGRATIONS: readonly BundledMigration[] | undefined = undefined;
