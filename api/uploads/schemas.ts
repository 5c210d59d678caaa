import Joi from 'joi';
import { UPLOAD_PURPOSE_NAMES, type UploadPurpose } from './purposes';

export interface UploadBody {
  purpose: UploadPurpose;
}

export const uploadBody = Joi.object<UploadBody>({
  purpose: Joi.string()
    .valid(...UPLOAD_PURPOSE_NAMES)
    .required(),
});
