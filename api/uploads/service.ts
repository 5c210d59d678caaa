import type { FileService, PublicFile } from '../files/service';
import { UPLOAD_PURPOSES, type UploadPurpose } from './purposes';

export interface UploadedFile extends PublicFile {
  purpose: UploadPurpose;
}

/**
 * One file for a purpose, through the files service (content sniffing, the purpose's allow-list and
 * cap, dedup per owner). Nothing refers to it yet: whatever uses it (an avatar, a Markdown body)
 * refers to it by its URL, and if nothing does it is removed by the cleanup job after the grace period.
 */
export class UploadService {
  constructor(private readonly files: FileService) {}

  async upload(ownerId: string, purpose: UploadPurpose, upload: Express.Multer.File): Promise<UploadedFile> {
    const rule = UPLOAD_PURPOSES[purpose];
    const file = await this.files.store({ ownerId, upload, allowedTypes: [...rule.types], maxBytes: rule.maxBytes });
    return { ...this.files.toPublic(file), purpose };
  }
}
