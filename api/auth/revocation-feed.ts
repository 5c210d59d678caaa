import type { Redis } from 'ioredis';
import type { Config } from '../../common/config';
import type { Logger } from '../../common/logger';
import { createRedis, closeRedis } from '../../common/redis';
import { revocationChannel, type RevocationEvent } from '../../common/auth/session-deny-list';

/** What holds connections that must end with their session: the Socket.IO server, the SSE hub. */
export interface RevocationListener {
  /** tokens, sessions or users were just denied */
  revoked(event: RevocationEvent): void;
  /** events may have been missed (the subscription was down): check every held connection again */
  resync(): void;
}

/**
 * The deny list's events as this process hears them: one Redis subscription, opened when the first
 * listener registers. Pub/sub drops what is published while the subscriber is reconnecting, so each
 * reconnection asks the listeners to check what they hold against the deny list itself.
 */
export class RevocationFeed {
  private readonly listeners = new Set<RevocationListener>();
  private subscriber?: Redis;
  private subscribed?: Promise<void>;
  private connectedBefore = false;

  constructor(
    private readonly config: Pick<Config, 'redis'>,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the subscription is live, so nothing published from then on is missed. */
  listen(listener: RevocationListener): Promise<void> {
    this.listeners.add(listener);
    this.subscribed ??= this.subscribe();
    return this.subscribed;
  }

  unlisten(listener: RevocationListener): void {
    this.listeners.delete(listener);
  }

  private async subscribe(): Promise<void> {
    const sub = createRedis(this.config, 'subscriber', this.logger);
    this.subscriber = sub;
    const channel = revocationChannel(this.config.redis.prefix);
    sub.on('message', (_channel: string, raw: string) => this.dispatch(raw));
    sub.on('ready', () => {
      if (this.connectedBefore) {
        this.logger.info('revocation feed resubscribed; checking held connections');
        for (const l of this.listeners) l.resync();
      }
      this.connectedBefore = true;
    });
    await sub.subscribe(channel);
  }

  private dispatch(raw: string) {
    let event: RevocationEvent;
    try {
      event = JSON.parse(raw) as RevocationEvent;
    } catch {
      return;
    }
    for (const l of this.listeners) l.revoked(event);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.subscriber) await closeRedis(this.subscriber);
    this.subscriber = undefined;
    this.subscribed = undefined;
  }
}
