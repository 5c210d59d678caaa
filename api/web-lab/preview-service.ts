import crypto from 'node:crypto';
import { WebVersion } from '../../common/models';
import { NotFoundError } from '../../common/errors';
import type { Config } from '../../common/config';
import type { Actor } from '../access/classrooms';
import { findReadableVersion, isUuid } from './access';

export const PREVIEW_PREFIX = '/api/v2/web-lab/preview';

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  txt: 'text/plain; charset=utf-8',
  md: 'text/plain; charset=utf-8',
  woff2: 'font/woff2',
  woff: 'font/woff',
};
export const contentTypeOf = (path: string) => CONTENT_TYPES[path.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

export interface PreviewFile {
  body: Buffer;
  contentType: string;
}

/**
 * Short-lived preview links whose signature sits in the path (an iframe cannot send a Bearer
 * header, and relative links such as `css/style.css` keep working under the same prefix). The key
 * is derived from JWT_SECRET, so no new secret is needed and a preview link dies with it.
 */
export class WebPreviewService {
  private readonly key: Buffer;

  constructor(private readonly config: Pick<Config, 'auth' | 'webLab'>) {
    this.key = crypto.createHmac('sha256', config.auth.jwtSecret).update('gema web-lab preview v1').digest();
  }

  sign(versionId: string, expires: number): string {
    return crypto.createHmac('sha256', this.key).update(`${versionId}.${expires}`).digest('base64url');
  }

  /** A link for whoever may read the version; it carries no identity, only the version and an expiry. */
  async issue(user: Actor, versionId: string, now = Date.now()) {
    const v = await findReadableVersion(user, versionId);
    const expires = Math.floor(now / 1000) + this.config.webLab.previewTtlSeconds;
    const path = `${PREVIEW_PREFIX}/${v.id}/${expires}/${this.sign(v.id, expires)}/index.html`;
    return { url: `${this.config.webLab.previewOrigin ?? ''}${path}`, path, expiresAt: new Date(expires * 1000) };
  }

  /** One file of a version, if the signature is good and not expired; 404 in every other case. */
  async open(versionId: string, expires: string, signature: string, filePath: string, now = Date.now()): Promise<PreviewFile> {
    if (!isUuid(versionId)) throw new NotFoundError('Preview');
    const expected = Buffer.from(this.sign(versionId, Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected) || Number(expires) * 1000 < now) {
      throw new NotFoundError('Preview');
    }
    const version = await WebVersion.findByPk(versionId, { attributes: ['id', 'files'] });
    const wanted = filePath === '' || filePath.endsWith('/') ? `${filePath}index.html` : filePath;
    const file = version?.files.find((f) => f.path === wanted);
    if (!file) throw new NotFoundError('File');
    const body = file.encoding === 'base64' ? Buffer.from(file.content, 'base64') : Buffer.from(file.content, 'utf8');
    return { body, contentType: contentTypeOf(wanted) };
  }

  /** CSP frame-ancestors: PREVIEW_FRAME_ANCESTORS, else the front-end (APP_URL) and CORS_ORIGINS. */
  static frameAncestors(config: Pick<Config, 'http' | 'webLab'>): string {
    const list = config.webLab.frameAncestors.length ? config.webLab.frameAncestors : [config.http.appUrl, ...config.http.corsOrigins];
    return [...new Set(list.map((u) => new URL(u).origin))].join(' ');
  }
}
