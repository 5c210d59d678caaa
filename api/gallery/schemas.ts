import Joi from 'joi';
import type { Pagination } from '../../common/paging';
import { paginationKeys } from '../http/pagination';

export interface GalleryFields {
  title: string;
  description?: string;
  category?: string;
  active?: boolean;
  showOnHomepage?: boolean;
}

const fields = {
  title: Joi.string().trim().min(1).max(200),
  description: Joi.string().trim().max(5000).allow(''),
  category: Joi.string()
    .trim()
    .lowercase()
    .pattern(/^[a-z0-9-]{1,50}$/),
  active: Joi.boolean(),
  showOnHomepage: Joi.boolean(),
};

/** The text fields of the multipart upload (booleans arrive as "true"/"false" and are converted). */
export const createBody = Joi.object<GalleryFields>({ ...fields, title: fields.title.required() });
export const updateBody = Joi.object<Partial<GalleryFields>>(fields).min(1);

export interface GalleryQuery extends Pagination {
  category?: string;
}
export const listQuery = Joi.object<GalleryQuery>({ ...paginationKeys, category: fields.category });

export const idParams = Joi.object<{ id: string }>({ id: Joi.string().uuid().required() });
