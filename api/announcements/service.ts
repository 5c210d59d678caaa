import crypto from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { ApiDeps } from '../deps';
import { Announcement, Classroom, StoredFile, type AnnouncementCategory, type FileMetadata, type StorageDriverName } from '../../common/models';
import { enqueue } from '../../common/queues';
import { ForbiddenError, NotFoundError, UnprocessableError } from '../../common/errors';
import { PublishedFileService, type PublicImage } from '../published-files/service';
import type { AnnouncementInput, ListQuery } from './schemas';
import { renderMarkdown } from '../../common/content/markdown';

/** Who is asking: a signed-in user, or nobody (the public site). */
export type Viewer = { id: string; role: 'student' | 'teacher' | 'admin' } | undefined;

export interface AnnouncementView {
  id: string;
  title: string;
  excerpt: string | null;
  content: string;
  contentHtml: string;
  category: AnnouncementCategory;
  important: boolean;
  active: boolean;
  showOnHomepage: boolean;
  deadline: Date | null;
  link: string | null;
  viewCount: number;
  publishAt: Date;
  published: boolean;
  classroomId: string | null;
  authorId: string | null;
  /** the picture (a file published on the public path), or null */
  imageFileId: string | null;
  image: PublicImage | null;
  createdAt: Date;
  updatedAt: Date;
}

export type AnnouncementServiceDeps = Pick<ApiDeps, 'sequelize' | 'redis' | 'queues' | 'config'>;

const VIEW_TTL_SECONDS = 2 * 24 * 3600;

export function toView(a: Announcement, now = new Date()): AnnouncementView {
  return {
    id: a.id,
    title: a.title,
    excerpt: a.excerpt ?? null,
    content: a.content,
    contentHtml: a.contentHtml,
    category: a.category,
    important: a.important,
    active: a.active,
    showOnHomepage: a.showOnHomepage,
    deadline: a.deadline ?? null,
    link: a.link ?? null,
    viewCount: a.viewCount,
    publishAt: a.publishAt,
    published: a.active && a.publishAt.getTime() <= now.getTime(),
    classroomId: a.classroomId ?? null,
    authorId: a.authorId ?? null,
    imageFileId: a.imageFileId ?? null,
    image: null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** A list row: the view's columns plus the picture's file columns (VIEW_COLUMNS, VIEW_FROM). */
export type AnnouncementRow = Omit<AnnouncementView, 'image'> & {
  imageSha256: string | null;
  imageDriver: StorageDriverName | null;
  imageKey: string | null;
  imageMetadata: FileMetadata | null;
};

export function rowToView(row: AnnouncementRow, published: PublishedFileService): AnnouncementView {
  const { imageSha256, imageDriver, imageKey, imageMetadata, ...view } = row;
  const image =
    imageSha256 && imageDriver && imageKey
      ? published.image({ sha256: imageSha256, storageDriver: imageDriver, storageKey: imageKey, metadata: imageMetadata ?? {} })
      : null;
  return { ...view, image };
}

/**
 * SQL condition (on alias `a`) for the classrooms a viewer reads: anonymous callers see school-wide
 * announcements only; a student also their classroom's; a teacher those of the classrooms they
 * teach; an admin everything.
 */
function audienceSql(viewer: Viewer): string {
  if (!viewer) return 'a.classroom_id IS NULL';
  if (viewer.role === 'admin') return 'TRUE';
  if (viewer.role === 'teacher') {
    return '(a.classroom_id IS NULL OR a.classroom_id IN (SELECT ct.classroom_id FROM classroom_teachers ct WHERE ct.teacher_id = :viewerId))';
  }
  return '(a.classroom_id IS NULL OR a.classroom_id = (SELECT u.classroom_id FROM users u WHERE u.id = :viewerId))';
}

/** Staff manage: admins everything, teachers the announcements of classrooms they teach. */
function managedSql(viewer: Viewer): string {
  if (viewer?.role === 'admin') return 'TRUE';
  if (viewer?.role === 'teacher') {
    return 'a.classroom_id IN (SELECT ct.classroom_id FROM classroom_teachers ct WHERE ct.teacher_id = :viewerId)';
  }
  return 'FALSE';
}

const PUBLISHED_SQL = 'a.active AND a.publish_at <= now()';

/** The columns of a view, named as the view names them: lists read plain rows, no model instances. */
export const VIEW_COLUMNS = `a.id, a.title, a.excerpt, a.content, a.content_html AS "contentHtml", a.category, a.important,
  a.active, a.show_on_homepage AS "showOnHomepage", a.deadline, a.link, a.view_count AS "viewCount",
  a.publish_at AS "publishAt", a.publish_at <= now() AND a.active AS "published", a.classroom_id AS "classroomId",
  a.author_id AS "authorId", a.image_file_id AS "imageFileId", a.created_at AS "createdAt", a.updated_at AS "updatedAt",
  fi.sha256 AS "imageSha256", fi.storage_driver AS "imageDriver", fi.storage_key AS "imageKey", fi.metadata AS "imageMetadata"`;
export const VIEW_FROM = 'announcements a LEFT JOIN files fi ON fi.id = a.image_file_id';

/**
 * Announcements of the school site: the public reading side (scope, scheduling, view counts) and
 * the staff writing side. Publishing goes through the `site` queue, delayed until the publish date,
 * where the worker marks it notified and tells its audience (worker/site/publish-announcement.ts).
 */
export class AnnouncementService {
  constructor(
    private readonly deps: AnnouncementServiceDeps,
    private readonly published = new PublishedFileService(deps),
  ) {}

  /** The view of a row, with its picture's public URLs. */
  private async viewOf(row: Announcement): Promise<AnnouncementView> {
    const view = toView(row);
    const file = row.imageFileId ? await StoredFile.findByPk(row.imageFileId) : null;
    if (file) view.image = this.published.image(file);
    return view;
  }

  /**
   * A picture the user may put on an announcement: an image file they uploaded (admins: anyone's),
   * else 404 / 422. It is published on the public path once the announcement is saved.
   */
  private async assertImage(user: NonNullable<Viewer>, fileId: string): Promise<void> {
    const file = await StoredFile.findByPk(fileId);
    if (!file || (file.ownerId !== user.id && user.role !== 'admin')) throw new NotFoundError('File');
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.mimeType) || file.status === 'rejected') {
      throw new UnprocessableError('NOT_AN_IMAGE', 'The picture must be a PNG, JPEG, GIF or WebP image', { imageFileId: fileId });
    }
  }

  async list(viewer: Viewer, query: ListQuery): Promise<{ rows: AnnouncementView[]; total: number }> {
    if (query.status === 'all' && viewer?.role !== 'teacher' && viewer?.role !== 'admin') {
      throw new ForbiddenError('Only staff may list unpublished announcements');
    }
    const visible =
      query.status === 'all'
        ? `((${PUBLISHED_SQL} AND ${audienceSql(viewer)}) OR ${managedSql(viewer)})`
        : `${PUBLISHED_SQL} AND ${audienceSql(viewer)}`;
    const where = `${visible}${query.category ? ' AND a.category = :category' : ''}`;
    const replacements = {
      viewerId: viewer?.id ?? null,
      category: query.category ?? null,
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    };
    const [rows, [count]] = await Promise.all([
      this.deps.sequelize.query<AnnouncementRow>(
        `SELECT ${VIEW_COLUMNS} FROM ${VIEW_FROM} WHERE ${where}
          ORDER BY a.important DESC, a.publish_at DESC, a.id LIMIT :limit OFFSET :offset`,
        { replacements, type: QueryTypes.SELECT },
      ),
      this.deps.sequelize.query<{ total: number }>(`SELECT count(*)::int AS total FROM announcements a WHERE ${where}`, {
        replacements,
        type: QueryTypes.SELECT,
      }),
    ]);
    return { rows: rows.map((r) => rowToView(r, this.published)), total: count?.total ?? 0 };
  }

  /** Published and in scope for the viewer, or managed by them; undefined otherwise. */
  private async findVisible(viewer: Viewer, id: string): Promise<Announcement | undefined> {
    const [row] = await this.deps.sequelize.query(
      `SELECT a.* FROM announcements a
        WHERE a.id = :id AND ((${PUBLISHED_SQL} AND ${audienceSql(viewer)}) OR ${managedSql(viewer)})`,
      { replacements: { id, viewerId: viewer?.id ?? null }, model: Announcement, mapToModel: true },
    );
    return row;
  }

  /**
   * One announcement; reading it counts a view at most once per viewer (user, or hashed IP when
   * anonymous) per UTC day, through a Redis key that expires on its own.
   */
  async show(viewer: Viewer, id: string, clientIp: string): Promise<AnnouncementView> {
    const found = await this.findVisible(viewer, id);
    if (!found) throw new NotFoundError('Announcement');
    const view = await this.viewOf(found);
    if (!view.published) return view;
    const who = viewer ? `u:${viewer.id}` : `ip:${crypto.createHash('sha256').update(clientIp).digest('hex').slice(0, 32)}`;
    const day = new Date().toISOString().slice(0, 10);
    const key = `${this.deps.config.redis.prefix}announcement-view:${id}:${day}:${who}`;
    const first = await this.deps.redis.set(key, '1', 'EX', VIEW_TTL_SECONDS, 'NX');
    if (first === 'OK') {
      await Announcement.increment('viewCount', { by: 1, where: { id } });
      view.viewCount += 1;
    }
    return view;
  }

  async create(user: NonNullable<Viewer>, input: AnnouncementInput): Promise<AnnouncementView> {
    const classroomId = input.classroomId ?? null;
    await this.assertMayWriteFor(user, classroomId);
    if (input.imageFileId) await this.assertImage(user, input.imageFileId);
    const row = await Announcement.create({
      title: input.title,
      excerpt: input.excerpt || null,
      content: input.content,
      contentHtml: renderMarkdown(input.content),
      category: input.category,
      important: input.important ?? false,
      active: input.active ?? true,
      showOnHomepage: input.showOnHomepage ?? false,
      deadline: input.deadline ?? null,
      link: input.link ?? null,
      publishAt: input.publishAt ?? new Date(),
      classroomId,
      authorId: user.id,
      imageFileId: input.imageFileId ?? null,
    });
    if (row.imageFileId) await this.published.publish(row.imageFileId);
    await this.schedulePublishing(row);
    return this.viewOf(row);
  }

  async update(user: NonNullable<Viewer>, id: string, patch: Partial<AnnouncementInput>): Promise<AnnouncementView> {
    const row = await this.findManaged(user, id);
    if (patch.classroomId !== undefined) await this.assertMayWriteFor(user, patch.classroomId);
    if (patch.imageFileId) await this.assertImage(user, patch.imageFileId);
    const previousImage = row.imageFileId ?? null;
    const changes: Partial<Announcement> = {};
    if (patch.title !== undefined) changes.title = patch.title;
    if (patch.excerpt !== undefined) changes.excerpt = patch.excerpt || null;
    if (patch.content !== undefined) {
      changes.content = patch.content;
      changes.contentHtml = renderMarkdown(patch.content);
    }
    if (patch.category !== undefined) changes.category = patch.category;
    if (patch.important !== undefined) changes.important = patch.important;
    if (patch.active !== undefined) changes.active = patch.active;
    if (patch.showOnHomepage !== undefined) changes.showOnHomepage = patch.showOnHomepage;
    if (patch.deadline !== undefined) changes.deadline = patch.deadline;
    if (patch.link !== undefined) changes.link = patch.link;
    if (patch.publishAt !== undefined) changes.publishAt = patch.publishAt;
    if (patch.classroomId !== undefined) changes.classroomId = patch.classroomId;
    if (patch.imageFileId !== undefined) changes.imageFileId = patch.imageFileId;
    await row.update(changes);
    if (row.imageFileId && row.imageFileId !== previousImage) await this.published.publish(row.imageFileId);
    if (previousImage && previousImage !== row.imageFileId) await this.published.unpublishIfUnused(previousImage);
    await this.schedulePublishing(row);
    return this.viewOf(row);
  }

  async remove(user: NonNullable<Viewer>, id: string): Promise<void> {
    const row = await this.findManaged(user, id);
    await row.destroy();
    if (row.imageFileId) await this.published.unpublishIfUnused(row.imageFileId);
  }

  /** Staff only (the route checks the role): what this user may edit, else 404. */
  private async findManaged(user: NonNullable<Viewer>, id: string): Promise<Announcement> {
    const [row] = await this.deps.sequelize.query(`SELECT a.* FROM announcements a WHERE a.id = :id AND ${managedSql(user)}`, {
      replacements: { id, viewerId: user.id },
      model: Announcement,
      mapToModel: true,
    });
    if (!row) throw new NotFoundError('Announcement');
    return row;
  }

  /** Admins write anywhere; a teacher only for a classroom they teach, never school-wide. */
  private async assertMayWriteFor(user: NonNullable<Viewer>, classroomId: string | null): Promise<void> {
    if (user.role === 'admin') {
      if (classroomId && !(await Classroom.findByPk(classroomId))) throw new NotFoundError('Classroom');
      return;
    }
    if (classroomId === null) throw new ForbiddenError('Only admins may publish school-wide announcements');
    const rows = await this.deps.sequelize.query('SELECT 1 FROM classroom_teachers WHERE classroom_id = :classroomId AND teacher_id = :teacherId', {
      replacements: { classroomId, teacherId: user.id },
      type: QueryTypes.SELECT,
    });
    if (rows.length === 0) throw new NotFoundError('Classroom');
  }

  /**
   * Queues the `publish-announcement` job, delayed until the publish date (at once when it has
   * passed). The job id names the date, so moving the date queues a new job and the worker ignores
   * the old one, whose date no longer matches the row.
   */
  private async schedulePublishing(row: Announcement): Promise<void> {
    if (!row.active || row.notifiedAt) return;
    const publishAt = row.publishAt;
    await enqueue(
      this.deps.queues,
      'site',
      { kind: 'publish-announcement', announcementId: row.id, publishAt: publishAt.toISOString() },
      { jobId: `announcement-${row.id}-${publishAt.getTime()}`, delay: Math.max(0, publishAt.getTime() - Date.now()) },
    );
  }
}
