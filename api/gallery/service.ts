import { GalleryItem, StoredFile } from '../../common/models';
import { NotFoundError } from '../../common/errors';
import type { FileService } from '../files/service';
import type { PublicImage, PublishedFileService } from '../published-files/service';
import type { GalleryFields, GalleryQuery } from './schemas';

/** Gallery images: raster types only, by content, at most 10 MB. */
export const GALLERY_IMAGE_TYPES = ['png', 'jpg', 'gif', 'webp'];
export const GALLERY_MAX_BYTES = 10 * 1024 * 1024;

export interface GalleryView {
  id: string;
  title: string;
  description: string;
  category: string;
  active: boolean;
  showOnHomepage: boolean;
  image: PublicImage;
  createdAt: Date;
  updatedAt: Date;
}

type Item = GalleryItem & { file?: StoredFile };

/** The school gallery (README.md#gallery-and-public-images). */
export class GalleryService {
  constructor(
    private readonly files: FileService,
    private readonly published: PublishedFileService,
  ) {}

  toView(item: Item): GalleryView {
    return {
      id: item.id,
      title: item.title,
      description: item.description,
      category: item.category,
      active: item.active,
      showOnHomepage: item.showOnHomepage,
      image: this.published.image(item.file!),
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
    };
  }

  /** Active items, newest first (admins also see inactive ones). */
  async list(query: GalleryQuery & { homepageOnly?: boolean }, includeInactive = false): Promise<{ rows: GalleryView[]; total: number }> {
    const where: Record<string, unknown> = {};
    if (!includeInactive) where.active = true;
    if (query.category) where.category = query.category;
    if (query.homepageOnly) where.showOnHomepage = true;
    const { rows, count } = await GalleryItem.findAndCountAll({
      where,
      include: [{ model: StoredFile, as: 'file', required: true }],
      order: [
        ['createdAt', 'DESC'],
        ['id', 'ASC'],
      ],
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    return { rows: rows.map((r) => this.toView(r as Item)), total: count };
  }

  async show(id: string, includeInactive = false): Promise<GalleryView> {
    const item = (await GalleryItem.findByPk(id, { include: [{ model: StoredFile, as: 'file' }] })) as Item | null;
    if (!item || (!item.active && !includeInactive)) throw new NotFoundError('Gallery item');
    return this.toView(item);
  }

  /** Keeps the image through the files service (images only), then publishes it with the item. */
  async create(adminId: string, upload: Express.Multer.File, fields: GalleryFields): Promise<GalleryView> {
    const file = await this.files.store({ ownerId: adminId, upload, allowedTypes: GALLERY_IMAGE_TYPES, maxBytes: GALLERY_MAX_BYTES });
    const item = await GalleryItem.create({
      title: fields.title,
      description: fields.description ?? '',
      category: fields.category ?? 'general',
      active: fields.active ?? true,
      showOnHomepage: fields.showOnHomepage ?? false,
      fileId: file.id,
      createdBy: adminId,
    });
    await this.published.publish(file.id);
    return this.show(item.id, true);
  }

  async update(id: string, patch: Partial<GalleryFields>): Promise<GalleryView> {
    const item = await GalleryItem.findByPk(id);
    if (!item) throw new NotFoundError('Gallery item');
    await item.update(patch);
    return this.show(id, true);
  }

  /** Deletes the item; its image leaves the public path unless another item shows it. */
  async remove(id: string): Promise<void> {
    const item = await GalleryItem.findByPk(id);
    if (!item) throw new NotFoundError('Gallery item');
    await item.destroy();
    await this.published.unpublishIfUnused(item.fileId);
  }
}
