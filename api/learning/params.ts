import Joi from 'joi';

/** `/:id` of every learning resource (assignment, submission). */
export const idParams = Joi.object({ id: Joi.string().uuid().required() });
