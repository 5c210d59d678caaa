import Joi from 'joi';

export const importQuery = Joi.object({ dryRun: Joi.boolean().default(false) });
/** Multipart fields besides the file. */
export const importBody = Joi.object({ initialPassword: Joi.string().min(8).max(72) });
export const importParams = Joi.object({ id: Joi.string().uuid().required() });

export const studentExportQuery = Joi.object({
  classroomId: Joi.string().uuid(),
  status: Joi.string().valid('active', 'suspended'),
});
export const gradeExportQuery = Joi.object({ classroomId: Joi.string().uuid().required() });

export interface ImportOptions {
  dryRun: boolean;
  initialPassword?: string;
}
