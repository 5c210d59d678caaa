import type { ApiDeps } from '../deps';
import { ApiRouter } from '../http/router';
import { validate } from '../http/validate';
import { receiveUploads } from '../files/upload';
import { FileService } from '../files/service';
import { uploadController } from './controller';
import { uploadBody } from './schemas';
import { UploadService } from './service';
import { UPLOAD_PURPOSES, type UploadPurpose } from './purposes';

/** `POST /upload`: one file for a purpose (README.md#generic-upload-and-file-cleanup). */
export function uploadRoutes(deps: ApiDeps, files: FileService = new FileService(deps)): ApiRouter {
  const c = uploadController(new UploadService(files));
  // a `purpose` field sent before the file narrows the cap while it streams in
  const capFor = async (req: { body?: { purpose?: string } }) => {
    const purpose = req.body?.purpose;
    return purpose && Object.hasOwn(UPLOAD_PURPOSES, purpose) ? UPLOAD_PURPOSES[purpose as UploadPurpose].maxBytes : undefined;
  };
  return new ApiRouter('/api/v2/upload').post(
    '/',
    deps.auth.requireAuth,
    receiveUploads({ maxFiles: 1, field: 'file', capFor }),
    validate({ body: uploadBody }),
    c.upload,
  );
}
