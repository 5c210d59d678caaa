import crypto from 'node:crypto';
import os from 'node:os';
import { createSandbox, sandboxIsolation, type Sandbox } from '../sandbox';
import { COMPILE_LIMITS } from '../sandbox/limits';
import { checkLanguages, describeCheck } from '../sandbox/self-check';
import { dropReport, REPORT_REFRESH_MS, storeReport, type SandboxReport } from '../../common/grading/sandbox-reports';
import type { WorkerDeps } from '../deps';
import { PLAYGROUND_LIMITS } from './run-playground';

export interface SelfCheckHandle {
  /** undefined when this worker does not grade (no `grading` in WORKER_QUEUES) */
  report?: SandboxReport;
  /** stops refreshing the report and removes it: this worker no longer speaks for the languages */
  close(): Promise<void>;
}

export interface SelfCheckOptions {
  /** defaults to a sandbox of the worker's settings, closed after the check */
  sandbox?: Pick<Sandbox, 'runnerFor' | 'unavailableReason'>;
  refreshMs?: number;
  ttlS?: number;
}

/**
 * At worker start: tries a hello-world in every language through the real sandbox, logs one line
 * per language and keeps the result in Redis (refreshed while the worker lives) for
 * `GET /coding-lab/languages` and the 422 LANGUAGE_UNAVAILABLE of submissions and runs.
 */
export async function runSandboxSelfCheck(
  deps: Pick<WorkerDeps, 'config' | 'logger' | 'redis' | 'metrics' | 'readiness'>,
  options: SelfCheckOptions = {},
): Promise<SelfCheckHandle> {
  const { config, logger, redis } = deps;
  if (!config.worker.queues.includes('grading')) return { close: async () => {} };
  const own = options.sandbox ? undefined : createSandbox({ backend: config.sandbox.backend, dockerHost: config.sandbox.dockerHost });
  let languages;
  try {
    languages = await checkLanguages(options.sandbox ?? own!, config.sandbox.backend);
  } finally {
    await own?.close();
  }
  for (const check of languages) deps.metrics.sandbox.setAvailability(check.language, check.available);
  const usable = languages.filter((c) => c.available).length;
  // a grading worker that can run no language at all takes jobs only to fail them: say so on /ready
  deps.readiness.register('sandbox', async () => {
    if (usable === 0) throw new Error('the sandbox self-check found no language it can run');
  });
  for (const check of languages) {
    if (check.available) logger.info(`sandbox self-check: ${describeCheck(check)}`, { language: check.language, version: check.version });
    else logger.warn(`sandbox self-check: ${describeCheck(check)}`, { language: check.language, reason: check.reason, fix: check.fix });
  }
  const isolation = sandboxIsolation();
  const report: SandboxReport = {
    workerId: `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`,
    hostname: os.hostname(),
    pid: process.pid,
    backend: config.sandbox.backend,
    node: process.version,
    checkedAt: new Date().toISOString(),
    limits: {
      playground: { timeMs: PLAYGROUND_LIMITS.timeMs, memoryMb: PLAYGROUND_LIMITS.memoryMb },
      compile: { timeMs: COMPILE_LIMITS.timeMs, memoryMb: COMPILE_LIMITS.memoryMb },
    },
    isolation,
    languages,
  };
  const prefix = config.redis.prefix;
  const store = () =>
    storeReport(redis, prefix, report, options.ttlS).catch((err: Error) => logger.warn('sandbox report not stored', { error: err.message }));
  await store();
  const timer = setInterval(() => void store(), options.refreshMs ?? REPORT_REFRESH_MS);
  timer.unref();
  return {
    report,
    async close() {
      clearInterval(timer);
      await dropReport(redis, prefix, report.workerId).catch(() => undefined);
    },
  };
}
