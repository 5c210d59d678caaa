import Joi from 'joi';

export const idParams = Joi.object({ id: Joi.string().uuid().required() });

const name = Joi.string().trim().min(1).max(100);
/** "2025/2026": the school year the classroom belongs to */
const academicYear = Joi.string()
  .pattern(/^\d{4}\/\d{4}$/)
  .messages({ 'string.pattern.base': '{{#label}} must look like 2025/2026' });

export const createClassroomBody = Joi.object({ name: name.required(), academicYear: academicYear.required() });
export const updateClassroomBody = Joi.object({ name, academicYear, archived: Joi.boolean() }).min(1);
export const teachersBody = Joi.object({ teacherIds: Joi.array().items(Joi.string().uuid()).unique().max(100).required() });
export const moveStudentsBody = Joi.object({ studentIds: Joi.array().items(Joi.string().uuid()).unique().min(1).max(1000).required() });

export interface CreateClassroomInput {
  name: string;
  academicYear: string;
}
export interface UpdateClassroomInput {
  name?: string;
  academicYear?: string;
  archived?: boolean;
}
