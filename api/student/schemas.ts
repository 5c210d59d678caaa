import Joi from 'joi';

/**
 * The only fields a student may change about themselves. Anything else (role, email, classroomId,
 * studentNumber…) is an unknown key, refused with 400 naming the field.
 */
export const profilePatchBody = Joi.object({
  name: Joi.string().trim().min(1).max(120),
  phone: Joi.string()
    .trim()
    .pattern(/^\+?[0-9 ()-]{6,20}$/)
    .max(20)
    .allow(null)
    .messages({ 'string.pattern.base': 'phone must be digits, spaces, "+", "-" or parentheses' }),
  bio: Joi.string().trim().max(500).allow('', null),
  avatarUrl: Joi.string()
    .uri({ scheme: ['https', 'http'] })
    .max(500)
    .allow(null),
})
  .min(1)
  .messages({ 'object.min': 'send at least one of name, phone, bio, avatarUrl' });

export interface ProfilePatch {
  name?: string;
  phone?: string | null;
  bio?: string | null;
  avatarUrl?: string | null;
}
