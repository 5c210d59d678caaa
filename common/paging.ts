/** The largest page a list serves; a bigger `pageSize` is served at this size rather than refused. */
export const MAX_PAGE_SIZE = 100;

export interface Pagination {
  page: number;
  pageSize: number;
}

export function limitOffset({ page, pageSize }: Pagination): { limit: number; offset: number } {
  return { limit: pageSize, offset: (page - 1) * pageSize };
}
