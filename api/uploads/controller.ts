import type { RequestHandler } from 'express';
import { BadRequestError } from '../../common/errors';
import { input } from '../http/validate';
import { sendData } from '../http/respond';
import type { UploadService } from './service';
import type { UploadBody } from './schemas';

export function uploadController(service: UploadService) {
  const upload: RequestHandler = async (req, res) => {
    const { purpose } = input<UploadBody>(req, 'body');
    const [file] = (req.files as Express.Multer.File[] | undefined) ?? [];
    if (!file) throw new BadRequestError('FILE_REQUIRED', 'Send one file in the multipart field "file"', { field: 'file' });
    sendData(res, await service.upload(req.user!.id, purpose, file), 201);
  };
  return { upload };
}
