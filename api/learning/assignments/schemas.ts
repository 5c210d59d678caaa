import Joi from 'joi';
import { paginationKeys } from '../../http/pagination';
import { ASSIGNMENT_KINDS, ASSIGNMENT_STATUSES } from '../../../common/models';
import { STUDENT_STATES } from './student-service';

export const studentAssignmentQuery = Joi.object({
  ...paginationKeys,
  status: Joi.string().valid(...STUDENT_STATES),
  q: Joi.string().trim().min(1).max(100),
  sort: Joi.string().valid('dueAt', '-dueAt').default('dueAt'),
});

/** an extension (`pdf`) or a MIME type, possibly a family (`image/*`) */
const fileType = Joi.string()
  .pattern(/^([a-z0-9]{1,10}|[a-z0-9.+-]+\/([a-z0-9.+-]+|\*))$/i)
  .lowercase()
  .max(100);
const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

const latePolicy = Joi.object({
  acceptLate: Joi.boolean(),
  penaltyPercentPerDay: Joi.number().min(0).max(100),
  maxLateDays: Joi.number().integer().min(0).max(365).allow(null),
});

const fields = {
  title: Joi.string().trim().min(1).max(200),
  description: Joi.string().max(50_000).allow(''),
  classroomId: Joi.string().uuid().allow(null),
  kind: Joi.string().valid(...ASSIGNMENT_KINDS),
  dueAt: Joi.date().iso(),
  maxPoints: Joi.number().integer().min(1).max(1000),
  latePolicy,
  maxAttempts: Joi.number().integer().min(1).max(20),
  allowedFileTypes: Joi.array().items(fileType).max(30).unique(),
  maxFileBytes: Joi.number().integer().min(1).max(MAX_UPLOAD_BYTES),
  status: Joi.string().valid(...ASSIGNMENT_STATUSES),
};

export const createAssignmentBody = Joi.object({
  ...fields,
  title: fields.title.required(),
  classroomId: fields.classroomId.required(),
  kind: fields.kind.required(),
  dueAt: fields.dueAt.required(),
  maxPoints: fields.maxPoints.required(),
});

export const updateAssignmentBody = Joi.object(fields).min(1);

export const adminAssignmentQuery = Joi.object({
  ...paginationKeys,
  classroomId: Joi.string().uuid(),
  status: Joi.string().valid(...ASSIGNMENT_STATUSES),
  q: Joi.string().trim().min(1).max(100),
});
