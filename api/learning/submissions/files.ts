import type { RequestHandler } from 'express';
import { StoredFile } from '../../../common/models';
import { receiveUploads, type UploadCap } from '../../files/upload';
import type { FileService, PublicFile } from '../../files/service';

/** How an attached file is shown inside a submission: the file feature's public shape. */
export type AttachedFile = PublicFile;

export interface FileRules {
  allowedTypes: string[];
  maxBytes: number;
}

/** What a file assignment accepts when its teacher named no types. */
export const DEFAULT_ALLOWED_FILE_TYPES = ['pdf', 'docx', 'xlsx', 'pptx', 'odt', 'txt', 'zip', 'png', 'jpg', 'gif', 'webp'];

export const MAX_SUBMISSION_FILES = 5;

/**
 * The seam between submissions and file storage: the submission code only needs to receive the
 * multipart parts, turn each into a stored file id under the assignment's rules, and show stored files.
 */
export interface SubmissionFileGateway {
  /** Parses `multipart/form-data` with up to 5 `files`; passes other bodies through untouched. */
  receive: RequestHandler;
  store(ownerId: string, uploads: Express.Multer.File[], rules: FileRules): Promise<string[]>;
  describe(fileIds: string[]): Promise<Map<string, AttachedFile>>;
}

/** Files kept by the file feature: sniffed type, size caps, stored once per owner and content, processed by the worker. */
export function fileServiceGateway(files: FileService, capFor?: UploadCap): SubmissionFileGateway {
  return {
    receive: receiveUploads({ maxFiles: MAX_SUBMISSION_FILES, field: 'files', capFor }),
    async store(ownerId, uploads, rules) {
      if (uploads.length === 0) return [];
      const stored = await files.storeAll({
        ownerId,
        uploads,
        allowedTypes: rules.allowedTypes.length ? rules.allowedTypes : DEFAULT_ALLOWED_FILE_TYPES,
        maxBytes: rules.maxBytes,
      });
      return stored.map((f) => f.id);
    },
    async describe(fileIds) {
      const rows = fileIds.length ? await StoredFile.findAll({ where: { id: fileIds } }) : [];
      return new Map(rows.map((f) => [f.id, files.toPublic(f)]));
    },
  };
}
