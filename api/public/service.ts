import { QueryTypes } from 'sequelize';
import type { ApiDeps } from '../deps';
import { VIEW_COLUMNS, VIEW_FROM, rowToView, type AnnouncementRow, type AnnouncementView } from '../announcements/service';
import type { PublishedFileService } from '../published-files/service';
import type { GalleryService, GalleryView } from '../gallery/service';

export interface SchoolFigures {
  /** active student accounts */
  students: number;
  /** distinct (student, task) pairs with an accepted submission finished this calendar month (UTC) */
  codingTasksSolvedThisMonth: number;
  /** classrooms with at least one active student */
  activeClasses: number;
  computedAt: string;
}

export interface HomeView {
  announcements: AnnouncementView[];
  events: AnnouncementView[];
  gallery: GalleryView[];
  figures: SchoolFigures;
}

export const HOME_LIMITS = { announcements: 6, events: 6, gallery: 12 } as const;
export const FIGURES_TTL_SECONDS = 60;

const PUBLISHED_HOMEPAGE = 'a.active AND a.publish_at <= now() AND a.classroom_id IS NULL AND a.show_on_homepage';

/**
 * The public homepage in one answer (README.md#homepage-feed-and-public-caching): school-wide
 * announcements and upcoming events marked for the homepage, homepage gallery pictures, and school
 * figures computed in SQL and cached in Redis for a minute (shared by every API process).
 */
export class PublicHomeService {
  constructor(
    private readonly deps: Pick<ApiDeps, 'sequelize' | 'redis' | 'config'>,
    private readonly gallery: GalleryService,
    private readonly published: PublishedFileService,
  ) {}

  get figuresKey(): string {
    return `${this.deps.config.redis.prefix}public:home:figures`;
  }

  async home(): Promise<HomeView> {
    const [announcements, events, gallery, figures] = await Promise.all([
      this.announcements(`${PUBLISHED_HOMEPAGE} AND a.category <> 'event'`, 'a.important DESC, a.publish_at DESC', HOME_LIMITS.announcements),
      this.announcements(
        `${PUBLISHED_HOMEPAGE} AND a.category = 'event' AND (a.deadline IS NULL OR a.deadline >= now())`,
        'a.deadline ASC NULLS LAST, a.publish_at DESC',
        HOME_LIMITS.events,
      ),
      this.gallery.list({ page: 1, pageSize: HOME_LIMITS.gallery, homepageOnly: true }),
      this.figures(),
    ]);
    return { announcements, events, gallery: gallery.rows, figures };
  }

  private async announcements(where: string, order: string, limit: number): Promise<AnnouncementView[]> {
    const rows = await this.deps.sequelize.query<AnnouncementRow>(
      `SELECT ${VIEW_COLUMNS} FROM ${VIEW_FROM} WHERE ${where} ORDER BY ${order}, a.id LIMIT ${limit}`,
      { type: QueryTypes.SELECT },
    );
    return rows.map((r) => rowToView(r, this.published));
  }

  /** From Redis when computed less than a minute ago; a Redis outage only costs the cache. */
  async figures(): Promise<SchoolFigures> {
    const cached = await this.deps.redis.get(this.figuresKey).catch(() => null);
    if (cached) return JSON.parse(cached) as SchoolFigures;
    const [row] = await this.deps.sequelize.query<Omit<SchoolFigures, 'computedAt'>>(
      `SELECT
         (SELECT count(*)::int FROM users u
           WHERE u.role = 'student' AND u.status = 'active' AND u.deleted_at IS NULL) AS "students",
         (SELECT count(*)::int FROM (
            SELECT DISTINCT cs.user_id, cs.task_id FROM coding_submissions cs
             WHERE cs.verdict = 'accepted'
               AND coalesce(cs.finished_at, cs.created_at) >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
          ) solved) AS "codingTasksSolvedThisMonth",
         (SELECT count(DISTINCT u.classroom_id)::int FROM users u
           WHERE u.role = 'student' AND u.status = 'active' AND u.deleted_at IS NULL AND u.classroom_id IS NOT NULL) AS "activeClasses"`,
      { type: QueryTypes.SELECT },
    );
    const figures: SchoolFigures = { ...row!, computedAt: new Date().toISOString() };
    await this.deps.redis.set(this.figuresKey, JSON.stringify(figures), 'EX', FIGURES_TTL_SECONDS).catch(() => undefined);
    return figures;
  }
}
