import { loadConfig, getConfig, type Config } from '../../common/config';
import type { Logger } from '../../common/logger';
import { createApp, type GemaApp } from '../../api/app';
import { createApiDeps, closeApiDeps, type ApiDeps } from '../../api/deps';
import { createWorkerDeps, closeWorkerDeps, type WorkerDeps } from '../../worker/deps';
import { TEST_ENV } from './env';

let shared: ApiDeps | undefined;
let sharedApp: GemaApp | undefined;
const extra: ApiDeps[] = [];
const workerDeps: WorkerDeps[] = [];

/** A configuration for an odd case (a limit, a closed port) on top of the suite's environment. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...TEST_ENV, ...overrides });
}

/** The suite's shared API dependencies and app, made on first use and closed after the run. */
export function apiDeps(): ApiDeps {
  shared ??= createApiDeps(getConfig());
  return shared;
}

export function app(): GemaApp {
  sharedApp ??= createApp(apiDeps());
  return sharedApp;
}

/** A separate app (own connections) with its own settings, e.g. a second API instance. */
export function isolatedApp(overrides: Record<string, string> = {}, logger?: Logger): { app: GemaApp; deps: ApiDeps } {
  const deps = createApiDeps(testConfig(overrides), logger);
  extra.push(deps);
  return { app: createApp(deps), deps };
}

export function testWorkerDeps(overrides: Record<string, string> = {}, logger?: Logger): WorkerDeps {
  const deps = createWorkerDeps(testConfig(overrides), logger);
  workerDeps.push(deps);
  return deps;
}

export async function closeAllDeps(): Promise<void> {
  await Promise.allSettled([...extra.splice(0)].map((d) => closeApiDeps(d)));
  await Promise.allSettled([...workerDeps.splice(0)].map((d) => closeWorkerDeps(d)));
  if (shared) await closeApiDeps(shared);
  shared = undefined;
  sharedApp = undefined;
}
