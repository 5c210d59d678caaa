import type { Response } from 'express';

export interface ListMeta {
  page: number;
  pageSize: number;
  total: number;
}

/** `{ data }`: the envelope of every single resource. */
export function sendData(res: Response, data: unknown, status = 200): void {
  res.status(status).json({ data });
}

/** `{ data: [...], meta: { page, pageSize, total } }`: the envelope of every list. */
export function sendList(res: Response, data: unknown[], meta: ListMeta): void {
  res.status(200).json({ data, meta });
}
