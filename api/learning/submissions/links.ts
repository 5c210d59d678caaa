import { SubmissionFile } from '../../../common/models';
import type { AttachedFile, SubmissionFileGateway } from './files';

/** Reads which files belong to which attempts, and shows them through the file gateway. */
export class SubmissionLinks {
  constructor(private readonly files: SubmissionFileGateway) {}

  async filesOf(submissionIds: string[]): Promise<Map<string, AttachedFile[]>> {
    const out = new Map<string, AttachedFile[]>();
    if (submissionIds.length === 0) return out;
    const links = await SubmissionFile.findAll({ where: { submissionId: submissionIds }, order: [['position', 'ASC']] });
    if (links.length === 0) return out;
    const shown = await this.files.describe([...new Set(links.map((l) => l.fileId))]);
    for (const link of links) {
      const file = shown.get(link.fileId);
      if (!file) continue;
      const list = out.get(link.submissionId) ?? [];
      list.push(file);
      out.set(link.submissionId, list);
    }
    return out;
  }
}
