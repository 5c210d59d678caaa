import type { ApiDeps } from '../deps';
import type { CodingLanguage } from '../../common/models';
import { UnprocessableError } from '../../common/errors';
import { liveReports, mergeReports, type LanguageAvailability, type WorkerLimits } from '../../common/grading/sandbox-reports';
import { TASK_LIMITS } from '../../common/grading';
import { MAX_FILES, MAX_SOURCE_BYTES } from './schemas';

/**
 * Which languages the grading workers can run, as their start-up self-checks last reported it
 * (README.md#languages-workers-can-run). Submissions and runs in a language every live worker
 * reported unusable are refused at once instead of queueing work that would end `internal_error`.
 * No report at all (no worker running yet, Redis briefly away) never blocks: the work queues, as
 * before, and a worker that comes up grades it.
 */
export class CodingLanguageService {
  constructor(private readonly deps: Pick<ApiDeps, 'redis' | 'config' | 'logger'>) {}

  private async availability(): Promise<{ merged: LanguageAvailability[]; limits: WorkerLimits | null }> {
    const reports = await liveReports(this.deps.redis, this.deps.config.redis.prefix);
    return { merged: mergeReports(reports), limits: reports[0]?.limits ?? null };
  }

  async list() {
    const { merged, limits } = await this.availability();
    return merged.map((a) => ({
      language: a.language,
      status: a.status,
      version: a.versions[0] ?? null,
      versions: a.versions,
      reason: a.problems[0]?.reason ?? null,
      fix: a.problems[0]?.fix ?? null,
      problems: a.problems,
      workers: a.workers,
      isolation: a.isolation,
      checkedAt: a.checkedAt,
      limits: {
        task: TASK_LIMITS,
        source: { maxBytes: MAX_SOURCE_BYTES, maxFiles: MAX_FILES },
        playground: limits?.playground ?? null,
        compile: limits?.compile ?? null,
      },
    }));
  }

  /** Throws 422 LANGUAGE_UNAVAILABLE when every live worker that reported says it cannot run `language`. */
  async assertRunnable(language: CodingLanguage): Promise<void> {
    let merged: LanguageAvailability[];
    try {
      ({ merged } = await this.availability());
    } catch (err) {
      // not knowing is not a reason to refuse: the queue guard answers for Redis itself
      this.deps.logger.warn('language availability unknown', { error: (err as Error).message });
      return;
    }
    const a = merged.find((m) => m.language === language);
    if (a?.status !== 'unavailable') return;
    const problem = a.problems[0];
    throw new UnprocessableError(
      'LANGUAGE_UNAVAILABLE',
      `${language} cannot run on the grading workers now: ${problem?.reason ?? 'unknown reason'}`,
      { language, reason: problem?.reason ?? null, fix: problem?.fix ?? null },
    );
  }
}
