import { UnrecoverableError, type Job } from 'bullmq';
import type { GradingJob } from '../../common/queues';
import type { WorkerDeps } from '../deps';
import type { ProcessorDefinition } from '../queue-worker';
import { createSandbox, LANGUAGES, type Sandbox } from '../sandbox';
import { SubmissionGrader, type GradeOutcome } from './grade-submission';
import { runPlayground, failPlayground } from './run-playground';
import { startRejudge, failRejudge } from './rejudge';
import { sweepGrading, type SweepReport } from './sweep';

export interface GradingProcessorOptions {
  /** defaults to the machine's sandbox (`createSandbox`) */
  sandbox?: Pick<Sandbox, 'runnerFor'>;
  /** how often the reconciliation sweep runs (a BullMQ job scheduler; 0 turns it off) */
  sweepEveryMs?: number;
  /** how long a submission may sit queued or running before the sweep looks at its job */
  staleAfterMs?: number;
  /** BullMQ worker settings, e.g. a short lock in tests of stalled-job recovery */
  workerOptions?: ProcessorDefinition['options'];
}

export const SWEEP_SCHEDULER_ID = 'grading-sweep';
const DEFAULT_SWEEP_EVERY_MS = 60_000;
const DEFAULT_STALE_AFTER_MS = 120_000;

type GradingResult = GradeOutcome | SweepReport | { total: number } | { verdict: string };

/**
 * The `grading` queue's processor: submissions, playground runs, rejudge fan-outs and the sweep.
 * The sandbox runs code in child processes, so this event loop stays free and BullMQ keeps
 * renewing the job's lock while a test runs.
 */
export async function createGradingProcessor(
  deps: WorkerDeps,
  options: GradingProcessorOptions = {},
): Promise<ProcessorDefinition<GradingJob, GradingResult>> {
  // a sandbox handed in belongs to the caller; only the one made here is closed with the processor
  const ownSandbox = options.sandbox
    ? undefined
    : createSandbox({
        backend: deps.config.sandbox.backend,
        dockerHost: deps.config.sandbox.dockerHost,
        allowWeakIsolation: deps.config.sandbox.allowWeakIsolation,
        logger: deps.logger,
        // a runner child per concurrent job: fewer would queue jobs behind each other inside the worker
        jsPoolSize: deps.config.worker.concurrency.grading,
      });
  const sandbox = options.sandbox ?? ownSandbox!;
  if (ownSandbox) {
    // what the runners found at start; the sandbox self-check refines it per language
    const available = new Set(ownSandbox.availableLanguages());
    for (const language of LANGUAGES) deps.metrics.sandbox.setAvailability(language, available.has(language));
    // a child costs ~0.1–0.3 s of CPU to start: paid now, not by the first students of an exam
    if (available.has('javascript')) ownSandbox.warm();
  }
  const grader = new SubmissionGrader({
    sequelize: deps.sequelize,
    realtime: deps.realtime,
    logger: deps.logger,
    sandbox,
    hiddenFigures: deps.config.sandbox.hiddenFigures,
  });
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const sweepEveryMs = options.sweepEveryMs ?? DEFAULT_SWEEP_EVERY_MS;
  if (sweepEveryMs > 0) {
    // one scheduler per queue whatever the number of workers: BullMQ runs each tick once
    await deps.queues.grading.upsertJobScheduler(
      SWEEP_SCHEDULER_ID,
      { every: sweepEveryMs },
      { name: 'sweep', data: { kind: 'sweep' }, opts: { attempts: 1, removeOnComplete: 10, removeOnFail: 10 } },
    );
  }

  return {
    options: options.workerOptions,
    async process(job: Job<GradingJob, GradingResult>) {
      const data = job.data;
      switch (data?.kind) {
        case 'submission':
          return grader.grade(data.submissionId, data.rejudgeId ?? null);
        case 'run':
          return { verdict: await runPlayground(sandbox, data.runId) };
        case 'rejudge':
          return startRejudge({ sequelize: deps.sequelize, realtime: deps.realtime, queues: deps.queues }, data.rejudgeId);
        case 'sweep':
          return sweepGrading({ sequelize: deps.sequelize, queues: deps.queues, logger: deps.logger, grader }, staleAfterMs);
        default:
          throw new UnrecoverableError(`unknown grading job ${JSON.stringify(data)}`);
      }
    },
    async onFinalFailure(job: Job<GradingJob, GradingResult>, error: Error) {
      const data = job.data;
      if (data.kind === 'submission') await grader.fail(data.submissionId, error.message);
      if (data.kind === 'run') await failPlayground(data.runId, error.message);
      if (data.kind === 'rejudge') await failRejudge(deps.sequelize, data.rejudgeId);
    },
    async close() {
      await ownSandbox?.close();
    },
  };
}
