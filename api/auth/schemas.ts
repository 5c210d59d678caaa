import Joi from 'joi';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from './passwords';

const email = Joi.string().trim().lowercase().email({ tlds: false }).max(254);

/** 8 characters up to bcrypt's 72-byte limit (bytes, not characters: "é" counts two). */
const password = Joi.string()
  .min(PASSWORD_MIN_LENGTH)
  .custom((value: string, helpers) => (Buffer.byteLength(value, 'utf8') > PASSWORD_MAX_BYTES ? helpers.error('password.bytes') : value))
  .messages({ 'password.bytes': `{{#label}} must be at most ${PASSWORD_MAX_BYTES} bytes` });

// generous, so a JWT sent by mistake is refused as a wrong token (401) rather than a malformed body
const opaqueToken = Joi.string().max(4096).required();

export const registerBody = Joi.object({
  name: Joi.string().trim().min(1).max(120).required(),
  email: email.required(),
  password: password.required(),
  /** README.md#classroom-join-codes: the only way to name a classroom when registering */
  joinCode: Joi.string().trim().min(1).max(20),
});

export const emailBody = Joi.object({ email: email.required() });

export const tokenBody = Joi.object({ token: opaqueToken });

/** A NIS (nomor induk siswa): digits, sometimes with dots or dashes as the school prints it. */
export const nis = Joi.string()
  .trim()
  .pattern(/^[0-9][0-9.\-/]{2,19}$/)
  .max(20)
  .messages({
    'string.pattern.base': '{{#label}} must be a student number (digits, dots, dashes)',
  });

export const loginBody = Joi.object({
  email,
  nis,
  // no length rules here: a login must not reveal the password policy of an account
  password: Joi.string().max(1024).required(),
}).xor('email', 'nis');

export const refreshBody = Joi.object({ refresh_token: opaqueToken });

export const logoutQuery = Joi.object({ all: Joi.boolean().default(false) });

export const resetBody = Joi.object({ token: opaqueToken, password: password.required() });

export const changeBody = Joi.object({
  currentPassword: Joi.string().max(1024).required(),
  newPassword: password.required().invalid(Joi.ref('currentPassword')).messages({
    'any.invalid': 'newPassword must differ from currentPassword',
  }),
});

export interface RegisterInput {
  name: string;
  email: string;
  password: string;
  joinCode?: string;
}
export interface LoginInput {
  email?: string;
  nis?: string;
  password: string;
}
export interface ResetInput {
  token: string;
  password: string;
}
export interface ChangeInput {
  currentPassword: string;
  newPassword: string;
}
