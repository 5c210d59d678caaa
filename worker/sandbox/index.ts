import type { Language, Runner } from './types';
import { LANGUAGES } from './types';
import { IsolatedVmRunner } from './isolate/runner';
import { BwrapRunner } from './bwrap/runner';
import { DockerRunner } from './docker/runner';
import { processIsolation } from './cgroup';
import type { IsolationLevel } from './cgroup';
import type { Logger } from '../../common/logger';

export interface SandboxOptions {
  /** `auto`/`bwrap`: bubblewrap for python, c, cpp, java when it works; `docker`: the Docker engine */
  backend?: 'auto' | 'bwrap' | 'docker';
  dockerHost?: string;
  /** runner children for JavaScript (default 2) */
  jsPoolSize?: number;
  /** images per language for the Docker backend (default DEFAULT_DOCKER_IMAGES) */
  dockerImages?: Partial<Record<Language, string>>;
  /** run python, c, cpp and java without control groups when the machine has none (unsafe) */
  allowWeakIsolation?: boolean;
  /** where the isolation level is logged once, when the sandbox is made (worker start) */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface SandboxIsolation {
  level: IsolationLevel;
  /** what is missing for a better level */
  reason?: string;
}

/**
 * The isolation this process can give untrusted native code: `cgroup2`, `cgroup1` or `none`
 * (README.md#isolation-levels). Detected once; the worker logs it at start.
 */
export function sandboxIsolation(): SandboxIsolation {
  const { level, reason } = processIsolation();
  return reason ? { level, reason } : { level };
}

export interface Sandbox {
  /** the runner for a language; throws when none is available (check `availableLanguages()`) */
  runnerFor(language: Language): Runner;
  availableLanguages(): Language[];
  /** why a language cannot run here (no toolchain, bubblewrap unusable…), or undefined when it can */
  unavailableReason(language: Language): string | undefined;
  /** starts what the runners keep running (the JavaScript runner children) ahead of the first job */
  warm(): void;
  close(): Promise<void>;
}

/** the unprivileged user sandboxed code runs as when the worker is root */
const NOBODY = 65534;

export class SandboxUnavailableError extends Error {
  constructor(readonly language: Language) {
    super(`no sandbox can run ${language} on this machine`);
    this.name = 'SandboxUnavailableError';
  }
}

/**
 * Picks a runner per language: JavaScript always through isolated-vm; the compiled and
 * interpreted languages through bubblewrap or Docker, depending on the settings and the machine.
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const isolation = processIsolation();
  if (options.logger) {
    const { level, reason } = isolation;
    if (level === 'none') options.logger.warn('sandbox isolation: none', { level, reason, allowWeakIsolation: options.allowWeakIsolation ?? false });
    else options.logger.info(`sandbox isolation: ${level}`, { level, parentGroups: isolation.manager?.parentDirs });
  }
  const js = new IsolatedVmRunner(options.jsPoolSize ?? 2, {
    cgroups: isolation.manager,
    runAs: process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : undefined,
  });
  const bwrap = options.backend === 'docker' ? undefined : new BwrapRunner({ allowWeakIsolation: options.allowWeakIsolation });
  const docker = options.backend === 'docker' ? new DockerRunner(options.dockerHost, options.dockerImages) : undefined;
  const runners: Runner[] = [js, ...(bwrap ? [bwrap] : []), ...(docker ? [docker] : [])];
  const pick = (language: Language) => runners.find((r) => r.supports(language));
  return {
    runnerFor(language) {
      const runner = pick(language);
      if (!runner) throw new SandboxUnavailableError(language);
      return runner;
    },
    availableLanguages() {
      return LANGUAGES.filter((l) => pick(l) !== undefined);
    },
    unavailableReason(language) {
      if (pick(language)) return undefined;
      return bwrap?.unavailableReason(language) ?? `the ${options.backend ?? 'auto'} backend has no runner for ${language}`;
    },
    warm() {
      js.warm();
    },
    async close() {
      await Promise.all([js.close(), bwrap?.close()]);
    },
  };
}

export type { Language, Limits, PreparedProgram, Runner, RunResult, CompileResult, SourceFile, RunVerdict } from './types';
export { LANGUAGES } from './types';
