import sharp from 'sharp';
import { UnrecoverableError } from 'bullmq';
import { StoredFile, type ImageVariant } from '../../common/models';
import { StorageObjectMissingError, type Storage } from '../../common/storage';
import { MAX_IMAGE_PIXELS } from './image';

/** The widths a published image is served at (srcset), as WebP. */
export const VARIANT_WIDTHS = [320, 800, 1600] as const;

/**
 * Makes the responsive WebP sizes of a published image (never wider than the original) and records
 * them in the row's metadata. A file still `processing` is not ready for it: the job is retried.
 */
export async function makeImageVariants(storage: Storage, fileId: string): Promise<{ fileId: string; variants: number }> {
  const file = await StoredFile.findByPk(fileId);
  if (!file) return { fileId, variants: 0 };
  if (file.status === 'processing') throw new Error('the file is still being processed');
  if (file.status !== 'ready' || !file.mimeType.startsWith('image/') || file.mimeType === 'image/svg+xml') {
    throw new UnrecoverableError(`file ${fileId} is not a ready raster image`);
  }
  if (file.metadata?.variants?.length) return { fileId, variants: file.metadata.variants.length };
  let stream;
  try {
    stream = await storage.get(file.storageKey);
  } catch (err) {
    if (err instanceof StorageObjectMissingError) throw new UnrecoverableError(err.message);
    throw err;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const source = Buffer.concat(chunks);
  const variants: ImageVariant[] = [];
  for (const width of VARIANT_WIDTHS) {
    const { data, info } = await sharp(source, { limitInputPixels: MAX_IMAGE_PIXELS })
      .autoOrient()
      .resize({ width, withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    const key = `${file.storageKey}.w${width}.webp`;
    await storage.put(key, data, 'image/webp');
    variants.push({ width, actualWidth: info.width, height: info.height, key });
  }
  await StoredFile.update({ metadata: { ...file.metadata, variants } }, { where: { id: fileId } });
  return { fileId, variants: variants.length };
}
