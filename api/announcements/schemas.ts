import Joi from 'joi';
import { ANNOUNCEMENT_CATEGORIES, type AnnouncementCategory } from '../../common/models';
import type { Pagination } from '../../common/paging';
import { paginationKeys } from '../http/pagination';

export interface AnnouncementInput {
  title: string;
  excerpt?: string | null;
  content: string;
  category: AnnouncementCategory;
  important?: boolean;
  active?: boolean;
  showOnHomepage?: boolean;
  deadline?: Date | null;
  link?: string | null;
  publishAt?: Date;
  /** null or absent: school-wide (admins only) */
  classroomId?: string | null;
  /** an image uploaded through POST /upload; published on the public path with the announcement */
  imageFileId?: string | null;
}

const fields = {
  title: Joi.string().trim().min(1).max(200),
  excerpt: Joi.string().trim().max(500).allow(null, ''),
  content: Joi.string().min(1).max(50_000),
  category: Joi.string().valid(...ANNOUNCEMENT_CATEGORIES),
  important: Joi.boolean(),
  active: Joi.boolean(),
  showOnHomepage: Joi.boolean(),
  deadline: Joi.date().iso().allow(null),
  link: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .max(500)
    .allow(null),
  publishAt: Joi.date().iso(),
  classroomId: Joi.string().uuid().allow(null),
  imageFileId: Joi.string().uuid().allow(null),
};

export const createBody = Joi.object<AnnouncementInput>({
  ...fields,
  title: fields.title.required(),
  content: fields.content.required(),
  category: fields.category.required(),
});

export const updateBody = Joi.object<Partial<AnnouncementInput>>(fields).min(1);

export interface ListQuery extends Pagination {
  category?: AnnouncementCategory;
  /** `all`: staff see also scheduled and inactive ones they manage */
  status: 'published' | 'all';
}

export const listQuery = Joi.object<ListQuery>({
  ...paginationKeys,
  category: fields.category,
  status: Joi.string().valid('published', 'all').default('published'),
});

export const idParams = Joi.object<{ id: string }>({ id: Joi.string().uuid().required() });
