import type { Logger } from '../../common/logger';
import type { Config } from '../../common/config';
import { StoredFile, type FileMetadata } from '../../common/models';
import { storageFor, type Storage } from '../../common/storage';
import { referencedSql } from './references';

export interface CleanupResult {
  removed: number;
  /** rows whose bytes could not all be deleted (logged; the row is gone either way) */
  storageErrors: number;
}

export interface CleanupContext {
  config: Pick<Config, 'rootDir' | 'uploads' | 'site'>;
  logger: Logger;
  storage: Storage;
}

const BATCH = 200;

/** Every stored object of a file: its bytes and whatever processing derived from them. */
export function storageKeysOf(file: Pick<StoredFile, 'storageKey' | 'metadata'>): string[] {
  // files.metadata is NOT NULL DEFAULT '{}' (migrations/0020-files.ts)
  const meta: FileMetadata = file.metadata;
  return [file.storageKey, ...(meta.thumbnailKey ? [meta.thumbnailKey] : []), ...(meta.variants ?? []).map((v) => v.key)];
}

/**
 * Removes files nothing refers to (see ./references.ts) and that were last handed out longer ago than
 * the grace period. Rows are picked and deleted in one statement holding their row locks, so a
 * foreign-key reference (a submission's file) made meanwhile either waits and fails or keeps its file;
 * only then are the bytes deleted, so no row ever points at missing bytes.
 */
export async function cleanupUnreferencedFiles(ctx: CleanupContext, now = new Date()): Promise<CleanupResult> {
  const sequelize = StoredFile.sequelize!;
  const cutoff = new Date(now.getTime() - ctx.config.site.fileCleanupGraceMs);
  const result: CleanupResult = { removed: 0, storageErrors: 0 };
  for (;;) {
    const [rows] = (await sequelize.query(
      `DELETE FROM files WHERE id IN (
         SELECT f.id FROM files f WHERE f.updated_at < :cutoff AND NOT ${referencedSql()}
          ORDER BY f.updated_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING id, storage_driver, storage_key, metadata`,
      { replacements: { cutoff } },
    )) as [Array<{ id: string; storage_driver: StoredFile['storageDriver']; storage_key: string; metadata: FileMetadata }>, unknown];
    for (const row of rows) {
      const storage = storageFor(row.storage_driver, ctx.config, ctx.storage);
      try {
        if (!storage) throw new Error(`storage driver ${row.storage_driver} is not configured`);
        for (const key of storageKeysOf({ storageKey: row.storage_key, metadata: row.metadata })) await storage.delete(key);
      } catch (err) {
        result.storageErrors += 1;
        ctx.logger.warn('unreferenced file: bytes not deleted', { fileId: row.id, error: (err as Error).message });
      }
    }
    result.removed += rows.length;
    if (rows.length < BATCH) break;
  }
  if (result.removed) ctx.logger.info('unreferenced files removed', { ...result });
  return result;
}
