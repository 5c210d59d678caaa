import http from 'node:http';
import type { AddressInfo } from 'node:net';
import etag from 'etag';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { createApp } from '../api/app';
import { createApiDeps } from '../api/deps';

/**
 * The server under test for bench/public.ts, in its own child process. `app`: the real app with real
 * deps. `bare`: node:http + pg + ioredis doing the same work as the app's two routes — the same SQL
 * (homepage announcements, events, gallery with its files, the figures cached in Redis for 60 s; the
 * announcement page and its count), JSON, a strong ETag and 304 on If-None-Match — and nothing else
 * (no middleware, validation, rate limit, ORM), with the same in-memory copy when
 * PUBLIC_CACHE_SECONDS > 0. Prints `READY <port>`.
 */
const ANN_COLUMNS = `a.id, a.title, a.excerpt, a.content, a.content_html AS "contentHtml", a.category, a.important, a.active,
  a.show_on_homepage AS "showOnHomepage", a.deadline, a.link, a.view_count AS "viewCount", a.publish_at AS "publishAt",
  a.classroom_id AS "classroomId", a.author_id AS "authorId", a.image_file_id AS "imageFileId", a.created_at AS "createdAt",
  a.updated_at AS "updatedAt", fi.sha256 AS "imageSha256", fi.metadata AS "imageMetadata"`;
const FROM = 'announcements a LEFT JOIN files fi ON fi.id = a.image_file_id';
const HOME = 'a.active AND a.publish_at <= now() AND a.classroom_id IS NULL AND a.show_on_homepage';
const FIGURES = `SELECT
  (SELECT count(*)::int FROM users u WHERE u.role = 'student' AND u.status = 'active' AND u.deleted_at IS NULL) AS "students",
  (SELECT count(*)::int FROM (SELECT DISTINCT cs.user_id, cs.task_id FROM coding_submissions cs WHERE cs.verdict = 'accepted'
     AND coalesce(cs.finished_at, cs.created_at) >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') s) AS "codingTasksSolvedThisMonth",
  (SELECT count(DISTINCT u.classroom_id)::int FROM users u WHERE u.role = 'student' AND u.status = 'active' AND u.deleted_at IS NULL
     AND u.classroom_id IS NOT NULL) AS "activeClasses"`;

function bare(config: ReturnType<typeof loadConfig>): http.Server {
  const pool = new pg.Pool({ connectionString: config.db.url, max: config.db.poolMax });
  const redis = new Redis(config.redis.url);
  const figuresKey = `${config.redis.prefix}public:home:figures`;
  const figures = async () => {
    const cached = await redis.get(figuresKey);
    if (cached) return JSON.parse(cached) as unknown;
    const { rows } = await pool.query(FIGURES);
    const value = { ...rows[0], computedAt: new Date().toISOString() };
    await redis.set(figuresKey, JSON.stringify(value), 'EX', 60);
    return value;
  };
  const home = async () => {
    const [announcements, events, gallery, figs] = await Promise.all([
      pool.query(
        `SELECT ${ANN_COLUMNS} FROM ${FROM} WHERE ${HOME} AND a.category <> 'event' ORDER BY a.important DESC, a.publish_at DESC, a.id LIMIT 6`,
      ),
      pool.query(
        `SELECT ${ANN_COLUMNS} FROM ${FROM} WHERE ${HOME} AND a.category = 'event' AND (a.deadline IS NULL OR a.deadline >= now())
          ORDER BY a.deadline ASC NULLS LAST, a.publish_at DESC, a.id LIMIT 6`,
      ),
      pool.query(
        `SELECT g.id, g.title, g.description, g.category, g.active, g.show_on_homepage AS "showOnHomepage", g.created_at AS "createdAt",
                g.updated_at AS "updatedAt", f.sha256, f.metadata
           FROM gallery_items g JOIN files f ON f.id = g.file_id WHERE g.active AND g.show_on_homepage ORDER BY g.created_at DESC, g.id LIMIT 12`,
      ),
      figures(),
    ]);
    const pictures = gallery.rows.map(({ sha256, metadata, ...g }) => ({
      ...g,
      image: {
        url: `/api/v2/public/files/${sha256}/original`,
        width: metadata.width ?? null,
        height: metadata.height ?? null,
        sizes: (metadata.variants ?? []).map((v: { width: number; actualWidth: number }) => ({
          width: v.actualWidth,
          url: `/api/v2/public/files/${sha256}/w${v.width}.webp`,
        })),
      },
    }));
    return { data: { announcements: announcements.rows, events: events.rows, gallery: pictures, figures: figs } };
  };
  const announcements = async () => {
    const where = 'a.active AND a.publish_at <= now() AND a.classroom_id IS NULL';
    const [page, count] = await Promise.all([
      pool.query(`SELECT ${ANN_COLUMNS} FROM ${FROM} WHERE ${where} ORDER BY a.important DESC, a.publish_at DESC, a.id LIMIT 20 OFFSET 0`),
      pool.query(`SELECT count(*)::int AS total FROM announcements a WHERE ${where}`),
    ]);
    return { data: page.rows, meta: { page: 1, pageSize: 20, total: count.rows[0].total } };
  };
  // the same in-memory copy the app keeps for PUBLIC_CACHE_SECONDS
  const ttl = config.site.publicCacheSeconds * 1000;
  const kept = new Map<string, { text: string; tag: string; expires: number }>();
  const answer = (req: http.IncomingMessage, res: http.ServerResponse, text: string, tag: string) => {
    const headers = { etag: tag, 'cache-control': 'public, max-age=60' };
    if (req.headers['if-none-match'] === tag) return void res.writeHead(304, headers).end();
    res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(text);
  };
  return http.createServer((req, res) => {
    const route = req.url === '/api/v2/public/home' ? home : req.url === '/api/v2/announcements' ? announcements : undefined;
    if (!route) return void res.writeHead(404).end();
    const hit = ttl > 0 ? kept.get(req.url!) : undefined;
    if (hit && hit.expires > Date.now()) return answer(req, res, hit.text, hit.tag);
    route().then(
      (body) => {
        const text = JSON.stringify(body);
        const tag = etag(text);
        if (ttl > 0) kept.set(req.url!, { text, tag, expires: Date.now() + ttl });
        answer(req, res, text, tag);
      },
      () => res.writeHead(500).end(),
    );
  });
}

async function main() {
  const mode = process.argv[2];
  const config = loadConfig(process.env);
  let server: http.Server;
  if (mode === 'app') {
    const deps = createApiDeps(config, createLogger(config, 'api'));
    await deps.sequelize.authenticate();
    server = http.createServer(createApp(deps));
  } else if (mode === 'bare') {
    server = bare(config);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`));
  process.once('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
