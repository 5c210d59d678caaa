import type { Response } from 'express';
import { isHeld, writeHeldJson } from './head';

export interface ListMeta {
  page: number;
  pageSize: number;
  total: number;
}

/**
 * A JSON answer. With the app-wide headers still held (a route the dispatcher calls directly, nothing
 * having touched the headers) it is written in one `writeHead` with its Content-Type and
 * Content-Length (api/http/head.ts); otherwise, or when a middleware replaced `res.json` (the public
 * cache's ETag), through Express's `res.json`, which sends the same bytes and headers.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  if (isHeld(res) && !Object.hasOwn(res, 'json')) {
    const text = JSON.stringify(body);
    if (writeHeldJson(res, status, text)) return;
    // released (a body long enough to compress): Express's res.json would send this text
    res.status(status).type('json').send(text);
    return;
  }
  res.status(status).json(body);
}

/** `{ data }`: the envelope of every single resource. */
export function sendData(res: Response, data: unknown, status = 200): void {
  sendJson(res, status, { data });
}

/** `{ data: [...], meta: { page, pageSize, total } }`: the envelope of every list. */
export function sendList(res: Response, data: unknown[], meta: ListMeta): void {
  sendJson(res, 200, { data, meta });
}
