import { QueryTypes } from 'sequelize';
import type { ApiDeps } from '../deps';
import { StoredFile, type FileMetadata } from '../../common/models';
import { enqueue } from '../../common/queues';
import { cloudinarySdk, parseCloudinaryUrl } from '../../common/storage/cloudinary';

export const PUBLIC_VARIANTS = ['original', 'w320.webp', 'w800.webp', 'w1600.webp'] as const;
export type PublicVariant = (typeof PUBLIC_VARIANTS)[number];

export interface PublicImage {
  /** the original bytes */
  url: string;
  width: number | null;
  height: number | null;
  /** responsive WebP sizes, for `srcset`; empty until the worker made them */
  sizes: Array<{ width: number; url: string }>;
}

export type PublishedFileDeps = Pick<ApiDeps, 'config' | 'queues' | 'sequelize'>;

/**
 * Files anyone may fetch without a token: exactly those with a `published_files` row (gallery
 * pictures, announcement pictures). Their URLs are content-addressed (`/api/v2/public/files/<sha256>/<variant>`), so they never
 * change meaning and are served `immutable`. With Cloudinary, the URLs are Cloudinary's own signed
 * delivery URLs of the same objects. README.md#gallery-and-public-images.
 */
export class PublishedFileService {
  constructor(private readonly deps: PublishedFileDeps) {}

  /** Publishes a file and queues its responsive sizes (once per file: the job id is fixed). */
  async publish(fileId: string): Promise<void> {
    await this.deps.sequelize.query('INSERT INTO published_files (file_id) VALUES (:fileId) ON CONFLICT DO NOTHING', {
      replacements: { fileId },
    });
    await enqueue(this.deps.queues, 'file-processing', { fileId, variants: true }, { jobId: `file-variants-${fileId}` });
  }

  /** Withdraws a file from the public path once no gallery item or announcement shows it any more. */
  async unpublishIfUnused(fileId: string): Promise<void> {
    await this.deps.sequelize.query(
      `DELETE FROM published_files p WHERE p.file_id = :fileId
          AND NOT EXISTS (SELECT 1 FROM gallery_items g WHERE g.file_id = p.file_id)
          AND NOT EXISTS (SELECT 1 FROM announcements a WHERE a.image_file_id = p.file_id)`,
      { replacements: { fileId } },
    );
  }

  /** A published, ready file with this content, or undefined. */
  async findPublished(sha256: string): Promise<StoredFile | undefined> {
    const [row] = await this.deps.sequelize.query(
      `SELECT f.* FROM files f JOIN published_files p ON p.file_id = f.id
        WHERE f.sha256 = :sha256 AND f.status = 'ready' ORDER BY p.published_at LIMIT 1`,
      { replacements: { sha256 }, model: StoredFile, mapToModel: true },
    );
    return row;
  }

  /** The storage key of a variant of a file, or undefined when it does not exist (yet). */
  keyOf(file: Pick<StoredFile, 'storageKey' | 'metadata'>, variant: PublicVariant): string | undefined {
    if (variant === 'original') return file.storageKey;
    const width = Number(variant.slice(1, -5));
    return file.metadata?.variants?.find((v) => v.width === width)?.key;
  }

  image(file: Pick<StoredFile, 'sha256' | 'storageDriver' | 'storageKey' | 'metadata'>): PublicImage {
    const meta: FileMetadata = file.metadata ?? {};
    const cloud = file.storageDriver === 'cloudinary' && this.deps.config.uploads.cloudinaryUrl;
    const urlOf = (variant: PublicVariant, key: string) =>
      cloud ? cloudinaryDeliveryUrl(this.deps.config.uploads.cloudinaryUrl!, key) : `/api/v2/public/files/${file.sha256}/${variant}`;
    return {
      url: urlOf('original', file.storageKey),
      width: meta.width ?? null,
      height: meta.height ?? null,
      sizes: (meta.variants ?? []).map((v) => ({ width: v.actualWidth, url: urlOf(`w${v.width}.webp` as PublicVariant, v.key) })),
    };
  }

  async isPublished(fileId: string): Promise<boolean> {
    const rows = await this.deps.sequelize.query('SELECT 1 FROM published_files WHERE file_id = :fileId', {
      replacements: { fileId },
      type: QueryTypes.SELECT,
    });
    return rows.length > 0;
  }
}

/**
 * Cloudinary's own delivery URL of a stored object (an `authenticated` raw resource, see
 * common/storage/cloudinary.ts): signed by the SDK, so it works with no token and serves from
 * Cloudinary's CDN. Untested here: there is no Cloudinary to call (test/gallery says so when skipped).
 */
export function cloudinaryDeliveryUrl(cloudinaryUrl: string, key: string): string {
  const creds = parseCloudinaryUrl(cloudinaryUrl);
  return cloudinarySdk().url(`gema/${key}`, {
    resource_type: 'raw',
    type: 'authenticated',
    sign_url: true,
    secure: true,
    cloud_name: creds.cloudName,
    api_key: creds.apiKey,
    api_secret: creds.apiSecret,
    // the SDK's tracking parameter would make the URL differ between SDK versions
    urlAnalytics: false,
  });
}
