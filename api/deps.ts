import { Registry } from 'prom-client';
import type { Config } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { createCoreDeps, closeCoreDeps, type CoreDeps } from '../common/runtime';
import { AccessTokens } from './auth/tokens';
import { AccessRevocation } from './auth/revocation';
import { createAuthMiddleware, type AuthMiddleware } from './auth/middleware';

/** Everything the HTTP app needs, built once per process and handed to `createApp`. */
export interface ApiDeps extends CoreDeps {
  tokens: AccessTokens;
  revocation: AccessRevocation;
  auth: AuthMiddleware;
  metrics: Registry;
}

export function createApiDeps(config: Config, logger: Logger = createLogger(config, 'api')): ApiDeps {
  const core = createCoreDeps(config, logger, 'web');
  const tokens = new AccessTokens(config);
  const revocation = new AccessRevocation(core.redis, config.redis.prefix);
  return { ...core, tokens, revocation, auth: createAuthMiddleware(tokens, revocation), metrics: new Registry() };
}

export const closeApiDeps: (deps: ApiDeps) => Promise<void> = closeCoreDeps;
