/**
 * What sandbox code reports about itself, without knowing about Prometheus: the worker's metrics
 * implement it (worker/observability/metrics.ts) and hand it to whatever runs code. `runner` names a
 * runner kind (`isolated-vm`, `bwrap`, `docker`); `language` one of the grading languages.
 */
export interface SandboxMetrics {
  /** live children (or containers) a runner holds ready */
  setPoolSize(runner: string, size: number): void;
  /** a runner child that died or was killed and had to be replaced */
  countRestart(runner: string): void;
  /** whether the language can run here, as the last self-check found */
  setAvailability(language: string, available: boolean): void;
}

export const noSandboxMetrics: SandboxMetrics = {
  setPoolSize() {},
  countRestart() {},
  setAvailability() {},
};
