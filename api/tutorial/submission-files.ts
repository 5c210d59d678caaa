import type { RequestHandler } from 'express';
import multer from 'multer';

/** How an attached file is shown inside a submission. */
export interface AttachedFile {
  id: string;
  name: string;
  mimeType: string | null;
  size: number;
  status: string;
  url: string;
}

export interface FileRules {
  allowedTypes: string[];
  maxBytes: number;
}

/**
 * The seam between submissions and file storage: the submission code only needs to receive the
 * multipart parts, turn each into a stored file id under the assignment's rules, and show stored files.
 */
export interface SubmissionFileGateway {
  /** Parses `multipart/form-data` with the `files` field; passes other bodies through untouched. */
  receive: RequestHandler;
  store(ownerId: string, uploads: Express.Multer.File[], rules: FileRules): Promise<string[]>;
  describe(fileIds: string[]): Promise<Map<string, AttachedFile>>;
}

/** Used until file storage exists: multipart text fields are read, any file part is refused. */
export const noFileGateway: SubmissionFileGateway = {
  receive: multer({ limits: { fields: 10, fieldSize: 100_000, files: 0 } }).none(),
  store: async () => [],
  describe: async () => new Map(),
};
