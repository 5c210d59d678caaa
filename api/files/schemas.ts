import Joi from 'joi';

export interface FileParams {
  id: string;
}

export const fileParams = Joi.object<FileParams>({ id: Joi.string().uuid().required() });
