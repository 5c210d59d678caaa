import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../../common/logger';

/** Below this soft limit a web process cannot hold the 10,000 sockets README.md#kubernetes plans for. */
export const RECOMMENDED_FD_LIMIT = 16_384;

/** The soft and hard open-files limits of this process (Linux), or undefined elsewhere. */
export function openFilesLimit(procLimits = '/proc/self/limits'): { soft: number; hard: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(procLimits, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!m) return undefined;
  const n = (v: string) => (v === 'unlimited' ? Infinity : Number(v));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}

export interface DescriptorWatch {
  /** times the process ran out of descriptors (or accept failed), as the metric counts them */
  exhaustions(): number;
  stop(): void;
}

/**
 * Running out of file descriptors, logged and counted. Out of descriptors, libuv accepts each new
 * connection on a spare descriptor and closes it at once, with no callback: a refused client leaves
 * no trace in the process. So the watch samples the descriptors in use (`/proc/self/fd`, every
 * `everyMs`) and, when they reach the soft limit less a small headroom, logs an error and counts an
 * exhaustion (once per episode, again after the count has fallen back below the threshold).
 * An accept failure libuv does hand on arrives as the server's `error` event, which with no listener
 * is an uncaught exception that stops the whole process: it is logged and counted here instead.
 */
export function watchDescriptors(
  server: Server,
  logger: Logger,
  options: { registry?: Registry; everyMs?: number; limit?: { soft: number; hard: number } } = {},
): DescriptorWatch {
  const counter = options.registry
    ? new Counter({
        name: 'process_fd_exhaustion_total',
        help: 'Times the web process ran out of file descriptors (new connections dropped) or failed to accept, by cause',
        labelNames: ['cause'],
        registers: [options.registry],
      })
    : undefined;
  let exhaustions = 0;
  const count = (cause: string) => {
    exhaustions++;
    counter?.inc({ cause });
  };

  let lastAcceptLogAt = 0;
  server.on('error', (err: NodeJS.ErrnoException) => {
    // a listen error (EADDRINUSE) is the caller's to handle; only accept failures are ours
    if (err.syscall !== 'accept') return;
    count(err.code ?? 'accept');
    if (Date.now() - lastAcceptLogAt < 1000) return;
    lastAcceptLogAt = Date.now();
    logger.error('connections could not be accepted', { code: err.code });
  });

  const limit = options.limit ?? openFilesLimit();
  let timer: NodeJS.Timeout | undefined;
  if (limit && Number.isFinite(limit.soft)) {
    const threshold = limit.soft - Math.max(8, Math.ceil(limit.soft * 0.02));
    let exhausted = false;
    let sampling = false;
    timer = setInterval(() => {
      if (sampling) return;
      sampling = true;
      void fs.promises
        .readdir('/proc/self/fd')
        .then(
          (fds) => fds.length,
          // reading the list takes a descriptor too: failing for want of one is the answer itself
          (err: NodeJS.ErrnoException) => (err.code === 'EMFILE' || err.code === 'ENFILE' ? limit.soft : undefined),
        )
        .then((open) => {
          if (open === undefined) return; // no /proc (not Linux): nothing to watch
          if (open >= threshold && !exhausted) {
            exhausted = true;
            count('EMFILE');
            logger.error('out of file descriptors: new connections are dropped', { code: 'EMFILE', open, openFilesLimit: limit.soft });
          } else if (open < threshold && exhausted) {
            exhausted = false;
            logger.warn('file descriptors available again', { open, openFilesLimit: limit.soft });
          }
        })
        .finally(() => (sampling = false));
    }, options.everyMs ?? 2000);
    timer.unref();
  }
  return {
    exhaustions: () => exhaustions,
    stop: () => clearInterval(timer),
  };
}

/**
 * Raises this process's soft open-files limit to its hard limit at start (any process may, without
 * privileges; Node has no setrlimit, so util-linux's `prlimit` does it on our own pid), then warns if
 * the result is still below what a web process needs. Container runtimes often start processes with
 * a soft limit of 1,024 and a hard one far above it. Returns the limit in force afterwards.
 */
export function raiseFdLimit(logger: Logger, procLimits = '/proc/self/limits'): { soft: number; hard: number } | undefined {
  const before = openFilesLimit(procLimits);
  if (!before) return undefined;
  if (before.soft < before.hard) {
    const target = before.hard === Infinity ? 'unlimited' : String(before.hard);
    try {
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${target}`], { stdio: 'ignore', timeout: 2000 });
    } catch (err) {
      logger.warn('could not raise the open-files limit', { error: (err as Error).message, soft: before.soft, hard: before.hard });
    }
  }
  const after = openFilesLimit(procLimits) ?? before;
  if (after.soft < RECOMMENDED_FD_LIMIT) {
    logger.warn('the open-files limit is low for a web process: raise the hard limit (README.md#file-descriptors)', {
      soft: after.soft,
      hard: after.hard,
      recommended: RECOMMENDED_FD_LIMIT,
    });
  } else if (after.soft !== before.soft) {
    logger.info('open-files limit raised', { from: before.soft, to: after.soft });
  }
  return after;
}
