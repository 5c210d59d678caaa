import { Registry } from 'prom-client';
import type { Config } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { createCoreDeps, closeCoreDeps, DependencyHealth, type CoreDeps } from '../common/runtime';
import { AccessTokens } from './auth/tokens';
import { AccessRevocation } from './auth/revocation';
import { RevocationFeed } from './auth/revocation-feed';
import { createAuthMiddleware, type AuthMiddleware } from './auth/middleware';
import { StreamHub } from './streams/hub';
import { StreamTickets } from './streams/tickets';

/** Everything the HTTP app needs, built once per process and handed to `createApp`. */
export interface ApiDeps extends CoreDeps {
  tokens: AccessTokens;
  revocation: AccessRevocation;
  /** the deny list's events, for what holds connections open (sockets, streams) */
  revocationFeed: RevocationFeed;
  auth: AuthMiddleware;
  metrics: Registry;
  /** the Server-Sent Events streams this process holds */
  streams: StreamHub;
  streamTickets: StreamTickets;
  /** which dependencies are away right now: one log line per outage, recovery by probing */
  health: DependencyHealth;
}

export function createApiDeps(config: Config, logger: Logger = createLogger(config, 'api')): ApiDeps {
  const core = createCoreDeps(config, logger, 'web');
  const tokens = new AccessTokens(config);
  const revocation = new AccessRevocation(core.redis, config.redis.prefix);
  const revocationFeed = new RevocationFeed(config, logger);
  return {
    ...core,
    tokens,
    revocation,
    revocationFeed,
    auth: createAuthMiddleware(tokens, revocation),
    metrics: new Registry(),
    streams: new StreamHub({ config, logger, redis: core.redis, log: core.realtime.streams, revocation, revocationFeed }),
    streamTickets: new StreamTickets(core.redis, config.redis.prefix),
    health: new DependencyHealth(logger, {
      redis: () => core.redis.ping(),
      postgres: () => core.sequelize.authenticate(),
    }),
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  deps.health.close();
  await deps.streams.close();
  await deps.revocationFeed.close();
  await closeCoreDeps(deps);
}
