import Joi from 'joi';
import { NOTIFICATION_TYPES, type NotificationType } from '../../common/models';
import type { Pagination } from '../../common/paging';
import { paginationKeys } from '../http/pagination';

export interface ListQuery extends Pagination {
  unread?: boolean;
}

export const listQuery = Joi.object<ListQuery>({ ...paginationKeys, unread: Joi.boolean() });

export const idParams = Joi.object({ id: Joi.string().uuid().required() });

export interface SettingsBody {
  mutedTypes: NotificationType[];
}

export const settingsBody = Joi.object<SettingsBody>({
  mutedTypes: Joi.array()
    .items(Joi.string().valid(...NOTIFICATION_TYPES))
    .unique()
    .required(),
});
