export { createCoreDeps, closeCoreDeps, waitForCoreDeps, type CoreDeps, type ProcessKind } from './core-deps';
export { runProcess, type ProcessContext, type RunOptions, type RunningProcess } from './run-process';
export { ShutdownHooks, SHUTDOWN_PHASES, type ShutdownPhase } from './shutdown-hooks';
export { ReadinessChecks, coreReadiness, notReady, type ReadinessProbe, type ReadinessReport } from './readiness';
export { listen, closeGracefully } from './http-server';
export { DependencyHealth, type RecoveryProbe } from './dependency-health';
export { unavailableDependency, DEPENDENCY_RETRY_AFTER_S, type Dependency } from './dependency-errors';
