import Joi from 'joi';
import { CONTACT_STATUSES, type ContactStatus } from '../../common/models';
import type { Pagination } from '../../common/paging';
import { paginationKeys } from '../http/pagination';

export interface ContactInput {
  name: string;
  email: string;
  phone?: string;
  subject: string;
  message: string;
  /** the honeypot: hidden from people by the front end, so only a bot fills it */
  website?: string;
}

export const contactBody = Joi.object<ContactInput>({
  name: Joi.string().trim().min(1).max(100).required(),
  email: Joi.string().trim().lowercase().email({ tlds: false }).max(254).required(),
  phone: Joi.string()
    .trim()
    .pattern(/^\+?[0-9 ()-]{6,30}$/)
    .allow(''),
  subject: Joi.string().trim().min(1).max(200).required(),
  message: Joi.string().trim().min(1).max(5000).required(),
  website: Joi.string().allow('').max(500),
});

export interface InboxQuery extends Pagination {
  status?: ContactStatus;
}

export const inboxQuery = Joi.object<InboxQuery>({ ...paginationKeys, status: Joi.string().valid(...CONTACT_STATUSES) });

export const statusBody = Joi.object<{ status: ContactStatus }>({
  status: Joi.string()
    .valid(...CONTACT_STATUSES)
    .required(),
});

export const replyBody = Joi.object<{ message: string }>({ message: Joi.string().trim().min(1).max(10_000).required() });

export const idParams = Joi.object<{ id: string }>({ id: Joi.string().uuid().required() });
