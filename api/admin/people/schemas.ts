import Joi from 'joi';
import { paginationKeys } from '../../http/pagination';
import type { Pagination } from '../../../common/paging';
import { nis } from '../../auth/schemas';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from '../../auth/passwords';
import { ROLES, type Role } from '../../../common/models';

const email = Joi.string().trim().lowercase().email({ tlds: false }).max(254);
const name = Joi.string().trim().min(1).max(120);
const password = Joi.string()
  .min(PASSWORD_MIN_LENGTH)
  .custom((value: string, helpers) => (Buffer.byteLength(value, 'utf8') > PASSWORD_MAX_BYTES ? helpers.error('password.bytes') : value))
  .messages({ 'password.bytes': `{{#label}} must be at most ${PASSWORD_MAX_BYTES} bytes` });
const phone = Joi.string()
  .trim()
  .pattern(/^[0-9+() -]{4,20}$/)
  .allow(null);

export const idParams = Joi.object({ id: Joi.string().uuid().required() });

export const PEOPLE_SORTS = ['name', '-name', 'nis', '-nis', 'createdAt', '-createdAt', 'lastLoginAt', '-lastLoginAt'] as const;
export type PeopleSort = (typeof PEOPLE_SORTS)[number];

export const studentListQuery = Joi.object({
  ...paginationKeys,
  classroomId: Joi.string().uuid(),
  status: Joi.string().valid('active', 'suspended', 'deleted'),
  verified: Joi.boolean(),
  q: Joi.string().trim().min(1).max(100),
  sort: Joi.string()
    .valid(...PEOPLE_SORTS)
    .default('name'),
});
export const teacherListQuery = studentListQuery.fork(['classroomId'], (s) => s.forbidden());

export interface PeopleListQuery extends Pagination {
  classroomId?: string;
  status?: 'active' | 'suspended' | 'deleted';
  verified?: boolean;
  q?: string;
  sort: PeopleSort;
}

/**
 * With an email the account gets an invitation link and no password; without one staff set the
 * first password, which the student must change at first sign-in (README.md#admin-people).
 */
export const createStudentBody = Joi.object({
  name: name.required(),
  email,
  nis,
  classroomId: Joi.string().uuid(),
  phone,
  password: Joi.when('email', { is: Joi.exist(), then: Joi.forbidden(), otherwise: password.required() }),
}).or('email', 'nis');

export const createTeacherBody = Joi.object({ name: name.required(), email: email.required(), phone });

/** Every field any caller may send; which of them this caller may set is the service's decision. */
export const updatePersonBody = Joi.object({
  name,
  email: email.allow(null),
  nis: nis.allow(null),
  phone,
  classroomId: Joi.string().uuid().allow(null),
  role: Joi.string().valid(...ROLES),
}).min(1);

export const resetPasswordBody = Joi.object({ password });

export const teacherClassroomsBody = Joi.object({
  classroomIds: Joi.array().items(Joi.string().uuid()).unique().max(200).required(),
});

export interface CreatePersonInput {
  name: string;
  email?: string;
  nis?: string;
  classroomId?: string;
  phone?: string | null;
  password?: string;
}

export interface UpdatePersonInput {
  name?: string;
  email?: string | null;
  nis?: string | null;
  phone?: string | null;
  classroomId?: string | null;
  role?: Role;
}
