import type { Readable } from 'node:stream';
import { UnrecoverableError, type Job } from 'bullmq';
import type { FileProcessingJob } from '../../common/queues';
import { StoredFile, type FileMetadata, type FileStatus } from '../../common/models';
import { createStorage, storageFor, StorageObjectMissingError, type Storage } from '../../common/storage';
import { rooms } from '../../common/realtime/events';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { inspectImage } from './image';
import { inspectZip } from './archive';
import { makeImageVariants } from './variants';

/** Raster formats libvips reads; SVG is deliberately absent (we never render user markup). */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/tiff']);
const ZIP_TYPES = new Set(['application/zip']);

export interface FileProcessingResult {
  fileId: string;
  status: FileStatus | 'missing' | 'unchanged';
  reason?: string;
}

type Outcome = { status: 'ready'; metadata: FileMetadata } | { status: 'rejected'; reason: string };

export interface FileProcessingContext {
  deps: Pick<WorkerDeps, 'config' | 'logger' | 'realtime'>;
  storage: Storage;
}

async function readAll(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      stream.destroy();
      throw new UnrecoverableError(`stored content is larger than the ${maxBytes} bytes on record`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function analyse(file: StoredFile, storage: Storage): Promise<Outcome> {
  const isImage = IMAGE_TYPES.has(file.mimeType);
  const isZip = ZIP_TYPES.has(file.mimeType);
  if (!isImage && !isZip) return { status: 'ready', metadata: {} };

  let content: Buffer;
  try {
    content = await readAll(await storage.get(file.storageKey), file.size);
  } catch (err) {
    if (err instanceof StorageObjectMissingError) throw new UnrecoverableError(err.message);
    throw err; // storage I/O: worth another attempt
  }

  if (isImage) {
    const image = await inspectImage(content);
    if (!image.ok) return { status: 'rejected', reason: image.reason };
    const thumbnailKey = `${file.storageKey}.thumb.webp`;
    await storage.put(thumbnailKey, image.thumbnail, 'image/webp');
    return { status: 'ready', metadata: { width: image.width, height: image.height, thumbnailKey } };
  }
  const archive = await inspectZip(content);
  if (!archive.ok) return { status: 'rejected', reason: archive.reason };
  return {
    status: 'ready',
    metadata: { entries: archive.entries, entryCount: archive.entries.length, uncompressedBytes: archive.uncompressedBytes },
  };
}

async function settle(ctx: FileProcessingContext, file: StoredFile, outcome: Outcome): Promise<FileProcessingResult> {
  const reason = outcome.status === 'rejected' ? outcome.reason.slice(0, 500) : null;
  // only a row still `processing` changes: a second delivery of the job (stalled, retried) is a no-op
  const [changed] = await StoredFile.update(
    {
      status: outcome.status,
      rejectionReason: reason,
      metadata: outcome.status === 'ready' ? { ...file.metadata, ...outcome.metadata } : file.metadata,
    },
    { where: { id: file.id, status: 'processing' } },
  );
  if (changed === 0) return { fileId: file.id, status: 'unchanged' };
  ctx.deps.realtime.publish(rooms.user(file.ownerId), 'file:processed', { fileId: file.id, status: outcome.status, reason });
  ctx.deps.logger.info('file processed', { fileId: file.id, status: outcome.status, reason });
  return { fileId: file.id, status: outcome.status, ...(reason ? { reason } : {}) };
}

/**
 * Processes one stored file: images get their dimensions and a thumbnail, ZIP archives are listed
 * and checked, everything else is simply ready. Content that fails a check is `rejected` with a
 * reason, as a normal result; only storage or database trouble throws (and is retried).
 */
export async function processFile(ctx: FileProcessingContext, fileId: string): Promise<FileProcessingResult> {
  const file = await StoredFile.findByPk(fileId);
  if (!file) return { fileId, status: 'missing' };
  if (file.status !== 'processing') return { fileId, status: 'unchanged' };
  const storage = storageFor(file.storageDriver, ctx.deps.config, ctx.storage);
  if (!storage) throw new UnrecoverableError(`storage driver ${file.storageDriver} is not configured in this worker`);
  return settle(ctx, file, await analyse(file, storage));
}

/** After the last attempt the row must not say `processing` for ever: it is rejected, with the cause. */
export async function failFile(ctx: FileProcessingContext, fileId: string, error: Error): Promise<void> {
  const file = await StoredFile.findByPk(fileId);
  if (!file || file.status !== 'processing') return;
  // our own deterministic messages are fit to show; a driver's I/O error may name hosts or paths
  const cause = error.name === 'UnrecoverableError' ? error.message : 'storage was unavailable, upload it again';
  ctx.deps.logger.warn('file processing gave up', { fileId, error: error.message });
  await settle(ctx, file, { status: 'rejected', reason: `the file could not be processed: ${cause}` });
}

export function fileProcessingProcessor(
  deps: WorkerDeps,
  storage: Storage = createStorage(deps.config),
): ProcessorDefinition<FileProcessingJob, unknown> {
  const ctx: FileProcessingContext = { deps, storage };
  return {
    process: (job: Job<FileProcessingJob>) => (job.data.variants ? makeImageVariants(storage, job.data.fileId) : processFile(ctx, job.data.fileId)),
    // a failed variants job leaves the file as processing found it; the image is served without sizes
    onFinalFailure: (job, error) => (job.data.variants ? Promise.resolve() : failFile(ctx, job.data.fileId, error)),
  };
}
