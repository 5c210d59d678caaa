import { create as createContentDisposition } from 'content-disposition';

/**
 * Types a browser may show inline from our origin without running anything: raster images, PDF
 * (rendered by the browser's own viewer) and plain text. Everything else, HTML, SVG, XML and
 * JavaScript included, is sent as an attachment, so an upload can never execute as our page.
 */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'application/pdf', 'text/plain']);

export const isInlineType = (mime: string) => INLINE_TYPES.has(mime);

/**
 * RFC 6266 via `content-disposition` (the package Express's own `res.attachment` uses): the UTF-8
 * name goes in `filename*` (RFC 8187) whenever it is not plain ASCII, beside an ASCII stand-in in
 * `filename` for old clients. The stand-in uses `_` rather than the package's default `?`, which
 * Windows refuses in a file name.
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  return createContentDisposition(name, { type: kind, fallback: name.replace(/[^\x20-\x7e]/g, '_') });
}

/** Text is stored as UTF-8 (the upload check demands it), so say so rather than let clients guess. */
export function contentType(mime: string): string {
  return mime.startsWith('text/') || mime === 'application/json' ? `${mime}; charset=utf-8` : mime;
}

/** For anything but PDF (whose viewer a sandbox breaks): even opened directly, nothing runs. */
export const SANDBOX_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";
