import sharp from 'sharp';

export const THUMBNAIL_SIZE = 320;
/** far beyond any photo a student hands in, far below what would exhaust the worker's memory */
export const MAX_IMAGE_PIXELS = 100_000_000;

export type ImageVerdict = { ok: true; width: number; height: number; thumbnail: Buffer } | { ok: false; reason: string };

/**
 * Reads an image's displayed dimensions (EXIF orientation applied) and makes a webp thumbnail at
 * most 320 px on its longer side. libvips decodes the whole image, so a truncated or corrupt file
 * fails here; that failure is a verdict about the content, not a reason to retry.
 */
export async function inspectImage(buf: Buffer): Promise<ImageVerdict> {
  const options = { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' as const };
  try {
    const meta = await sharp(buf, options).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) return { ok: false, reason: 'the image has no dimensions' };
    const thumbnail = await sharp(buf, options)
      .autoOrient()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    return { ok: true, width, height, thumbnail };
  } catch (err) {
    return { ok: false, reason: `not a readable image: ${(err as Error).message}` };
  }
}
