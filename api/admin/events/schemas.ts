import Joi from 'joi';
import { paginationKeys } from '../../http/pagination';
import type { Pagination } from '../../../common/paging';

export const idParams = Joi.object({ id: Joi.string().uuid().required() });

const fields = {
  title: Joi.string().trim().min(1).max(200),
  description: Joi.string().max(10_000).allow(''),
  startsAt: Joi.date().iso(),
  endsAt: Joi.date().iso().allow(null),
  location: Joi.string().trim().max(200).allow(null),
  capacity: Joi.number().integer().min(1).max(1_000_000).allow(null),
  registeredCount: Joi.number().integer().min(0).max(1_000_000),
  active: Joi.boolean(),
};

export const createEventBody = Joi.object({
  ...fields,
  title: fields.title.required(),
  startsAt: fields.startsAt.required(),
  endsAt: fields.endsAt.min(Joi.ref('startsAt')),
});
export const updateEventBody = Joi.object(fields).min(1);

export const eventListQuery = Joi.object({
  ...paginationKeys,
  active: Joi.boolean(),
  from: Joi.date().iso(),
  to: Joi.date().iso(),
});
export const activeEventsQuery = Joi.object({ ...paginationKeys });

export interface EventInput {
  title?: string;
  description?: string;
  startsAt?: Date;
  endsAt?: Date | null;
  location?: string | null;
  capacity?: number | null;
  registeredCount?: number;
  active?: boolean;
}
export interface EventListQuery extends Pagination {
  active?: boolean;
  from?: Date;
  to?: Date;
}
