import { enqueue, type Queues } from '../../../common/queues';
import { legacyImportJobId } from '../../../common/queues/jobs/legacy-import';
import { LegacyImportRun } from '../../../common/models';
import { NotFoundError, UnprocessableError } from '../../../common/errors';
import { createRun } from '../../../common/legacy-import/runs';
import { schoolYearOf } from '../../../common/legacy-import/people';
import type { Config } from '../../../common/config';
import type { StartInput } from './schemas';

export interface LegacyImportServiceDeps {
  config: Config;
  queues: Queues;
}

/** Legacy import runs for admins (README.md#moving-from-the-old-gema): start one as a job, list them, read one's report. */
export class LegacyImportService {
  constructor(private readonly d: LegacyImportServiceDeps) {}

  async start(adminId: string, input: StartInput) {
    const url = this.d.config.legacy.databaseUrl;
    if (!url) throw new UnprocessableError('LEGACY_SOURCE_NOT_CONFIGURED', 'Set LEGACY_DATABASE_URL on the server to import from the old GEMA');
    const run = await createRun(
      url,
      {
        mode: input.mode,
        adminsAs: input.adminsAs,
        rejudge: input.rejudge,
        academicYear: input.academicYear ?? schoolYearOf(new Date()),
        batchSize: 500,
      },
      adminId,
      'queued',
    );
    await enqueue(this.d.queues, 'legacy-import', { runId: run.id }, { jobId: legacyImportJobId(run.id) });
    return summary(run);
  }

  async list(limit: number, offset: number) {
    const { rows, count } = await LegacyImportRun.findAndCountAll({ order: [['createdAt', 'DESC']], limit, offset });
    return { rows: rows.map(summary), total: count };
  }

  async get(id: string) {
    const run = await LegacyImportRun.findByPk(id);
    if (!run) throw new NotFoundError('Legacy import run');
    return { ...summary(run), report: run.report ?? null };
  }
}

function summary(run: LegacyImportRun) {
  return {
    id: run.id,
    mode: run.mode,
    status: run.status,
    source: run.source,
    options: run.options,
    progress: run.progress ?? null,
    consistent: run.report?.consistent ?? null,
    error: run.error ?? null,
    startedBy: run.startedBy,
    createdAt: run.createdAt,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
  };
}
