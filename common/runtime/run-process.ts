import type { EventEmitter } from 'node:events';
import nodeModule from 'node:module';
import { getConfigOrExit, type Config } from '../config';
import { createLogger, type Logger } from '../logger';
import { ShutdownHooks } from './shutdown-hooks';
import { trimHeapWhenIdle } from './idle-heap-trim';

export interface ProcessContext {
  config: Config;
  logger: Logger;
  /** registers what to stop, drain or close when the process stops (see SHUTDOWN_PHASES) */
  onShutdown: ShutdownHooks['add'];
  /** true once stopping has begun, so readiness can answer 503 while the process drains */
  isStopping(): boolean;
}

export interface RunOptions {
  config?: Config;
  logger?: Logger;
  /** where signals and fatal errors are heard: the real process unless a test hands in an emitter */
  proc?: EventEmitter;
  exit?: (code: number) => void;
  /** time after the drain deadline for the pools to close before the process exits regardless */
  forceExitGraceMs?: number;
}

export interface RunningProcess<T> {
  value: T;
  /** what a signal does: runs the shutdown hooks, then exits with `code` */
  stop(reason: string, code?: number): Promise<void>;
}

const errorFields = (err: unknown) => (err instanceof Error ? { error: err.message, stack: err.stack } : { error: String(err) });

/**
 * The one lifecycle of every GEMA process (web and worker). SIGTERM/SIGINT stop it gracefully; an
 * unhandled rejection or an uncaught exception is logged and stops it with exit code 1, because
 * the process state is unknown from then on. Stopping runs the hooks `start` registered, phase by
 * phase (stop intake, drain up to SHUTDOWN_TIMEOUT_MS, close pools), and a force-exit timer ends the
 * process if a hook hangs past the deadline. A start that fails closes what it opened and exits 1.
 */
export async function runProcess<T>(name: string, start: (ctx: ProcessContext) => Promise<T>, options: RunOptions = {}): Promise<RunningProcess<T>> {
  const config = options.config ?? getConfigOrExit();
  const logger = options.logger ?? createLogger(config, name);
  const proc: EventEmitter = options.proc ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const deadlineMs = config.shutdown.timeoutMs;
  const hooks = new ShutdownHooks();
  let stopping: Promise<void> | undefined;

  const stop = (reason: string, code = 0): Promise<void> => {
    stopping ??= (async () => {
      logger.info(`${name} shutting down`, { signal: reason });
      const force = setTimeout(
        () => {
          logger.error(`${name} did not stop within the deadline, exiting`, { deadlineMs });
          exit(code || 1);
        },
        deadlineMs + (options.forceExitGraceMs ?? 3000),
      );
      force.unref();
      const outcome = await hooks.run(logger, deadlineMs);
      clearTimeout(force);
      logger.info(`${name} stopped`, { outcome });
      exit(code);
    })();
    return stopping;
  };

  proc.on('unhandledRejection', (err: unknown) => {
    logger.error(`${name} fatal: unhandled rejection`, errorFields(err));
    void stop('unhandledRejection', 1);
  });
  proc.on('uncaughtException', (err: unknown) => {
    logger.error(`${name} fatal: uncaught exception`, errorFields(err));
    void stop('uncaughtException', 1);
  });
  // once: a second Ctrl-C falls through to Node's default and ends the process at once
  proc.once('SIGTERM', () => void stop('SIGTERM'));
  proc.once('SIGINT', () => void stop('SIGINT'));

  const ctx: ProcessContext = {
    config,
    logger,
    onShutdown: (phase, hookName, run) => hooks.add(phase, hookName, run),
    isStopping: () => stopping !== undefined,
  };
  try {
    const value = await start(ctx);
    // with NODE_COMPILE_CACHE set (npm start sets it), write the compiled code of every module loaded
    // so far now: Node writes it only at a natural exit, and these processes end by signal and exit()
    nodeModule.flushCompileCache();
    // a real process (not a test's emitter) gives back the heap start-up grew once it is quiet
    if (!options.proc) {
      const trim = trimHeapWhenIdle();
      hooks.add('stop-intake', 'idle heap trim', () => trim.stop());
    }
    return { value, stop };
  } catch (err) {
    logger.error(`${name} failed to start`, errorFields(err));
    await stop('start failed', 1);
    throw err;
  }
}
