import { QueryTypes } from 'sequelize';
import type { Job } from 'bullmq';
import { WebRecheck } from '../../common/models';
import type { WebChecksJob } from '../../common/queues';
import { rooms } from '../../common/realtime/events';
import { createStorage, type Storage } from '../../common/storage';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { BrowserPool, browserSelfCheck } from './browser';
import { checkVersion, failVersion, type CheckerDeps } from './check-version';

export interface WebChecksOptions {
  storage?: Storage;
  /** skip the self-check and say whether a browser exists (tests of the "unavailable" path) */
  browserAvailable?: boolean;
}

/**
 * The `web-checks` queue: one version's checks, or a whole assignment's re-check with progress.
 * The browser runs in this process's children (Chromium's own processes, sandboxed, as an
 * unprivileged user); a start-up self-check decides whether browser checks run or are skipped.
 */
export async function webChecksProcessor(deps: WorkerDeps, options: WebChecksOptions = {}): Promise<ProcessorDefinition<WebChecksJob, unknown>> {
  const settings = deps.config.webLab;
  const pool = new BrowserPool(settings, deps.logger);
  let browserAvailable = options.browserAvailable;
  if (browserAvailable === undefined) {
    const check = await browserSelfCheck(settings, deps.logger);
    browserAvailable = check.available;
    if (check.available) deps.logger.info(`web-checks self-check: browser available (${check.reason})`);
    else deps.logger.warn(`web-checks self-check: browser unavailable, browser checks will be skipped (${check.reason})`);
  }
  const checker: CheckerDeps = {
    pool,
    browserAvailable,
    limits: { pageTimeoutMs: settings.pageTimeoutMs, checkTimeoutMs: settings.checkTimeoutMs },
    storage: options.storage ?? createStorage(deps.config),
    realtime: deps.realtime,
  };

  async function recheck(recheckId: string) {
    const r = await WebRecheck.findByPk(recheckId);
    if (!r) return { total: 0 };
    const latest = await deps.sequelize.query<{ id: string }>(
      `SELECT DISTINCT ON (project_id) id FROM web_versions WHERE assignment_id = :a ORDER BY project_id, number DESC`,
      { replacements: { a: r.assignmentId }, type: QueryTypes.SELECT },
    );
    await r.update({ status: 'running', total: latest.length, done: 0 });
    for (const [i, { id }] of latest.entries()) {
      try {
        await checkVersion(checker, id);
      } catch (err) {
        await failVersion(deps.realtime, id, (err as Error).message);
      }
      await r.update({ done: i + 1 });
      deps.realtime.publish(rooms.webRecheck(r.id), 'web-recheck:progress', { recheckId: r.id, done: i + 1, total: latest.length });
    }
    await r.update({ status: 'completed', finishedAt: new Date() });
    return { total: latest.length };
  }

  return {
    async process(job: Job<WebChecksJob>) {
      if (job.data.kind === 'recheck') return recheck(job.data.recheckId);
      return checkVersion(checker, job.data.versionId);
    },
    async onFinalFailure(job, error) {
      if (job.data.kind === 'version') await failVersion(deps.realtime, job.data.versionId, error.message);
      else await WebRecheck.update({ status: 'failed', finishedAt: new Date() }, { where: { id: job.data.recheckId } });
    },
    close: () => pool.close(),
  };
}
