import { QueryTypes } from 'sequelize';
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

type GalleryRow = Omit<GalleryView, 'image'> & Pick<StoredFile, 'sha256' | 'storageDriver' | 'storageKey' | 'metadata'>;

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

  /** Active items, newest first (admins also see inactive ones). Plain rows: no model instances. */
  async list(query: GalleryQuery & { homepageOnly?: boolean }, includeInactive = false): Promise<{ rows: GalleryView[]; total: number }> {
    const where = [
      ...(includeInactive ? [] : ['g.active']),
      ...(query.category ? ['g.category = :category'] : []),
      ...(query.homepageOnly ? ['g.show_on_homepage'] : []),
    ];
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const replacements = { category: query.category ?? null, limit: query.pageSize, offset: (query.page - 1) * query.pageSize };
    const sequelize = GalleryItem.sequelize!;
    const [rows, counted] = await Promise.all([
      sequelize.query<GalleryRow>(
        `SELECT g.id, g.title, g.description, g.category, g.active, g.show_on_homepage AS "showOnHomepage",
                g.created_at AS "createdAt", g.updated_at AS "updatedAt",
                f.sha256, f.storage_driver AS "storageDriver", f.storage_key AS "storageKey", f.metadata
           FROM gallery_items g JOIN files f ON f.id = g.file_id ${whereSql}
          ORDER BY g.created_at DESC, g.id LIMIT :limit OFFSET :offset`,
        { replacements, type: QueryTypes.SELECT },
      ),
      // the homepage shows a fixed number and needs no total
      query.homepageOnly
        ? Promise.resolve([{ total: -1 }])
        : sequelize.query<{ total: number }>(`SELECT count(*)::int AS total FROM gallery_items g ${whereSql}`, {
            replacements,
            type: QueryTypes.SELECT,
          }),
    ]);
    return {
      rows: rows.map(({ sha256, storageDriver, storageKey, metadata, ...item }) => ({
        ...item,
        image: this.published.image({ sha256, storageDriver, storageKey, metadata }),
      })),
      total: counted[0]?.total ?? 0,
    };
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
