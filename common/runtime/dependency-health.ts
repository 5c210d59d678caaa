import type { Logger } from '../logger';
import type { Dependency } from './dependency-errors';

/** Answers when the dependency answers again; rejects while it is still away. */
export type RecoveryProbe = () => Promise<unknown>;

interface Outage {
  since: number;
  failures: number;
  timer: NodeJS.Timeout;
  probing: boolean;
}

/**
 * What this process knows about its dependencies being away. The first failure of an outage is
 * logged once (requests keep failing fast with 503 without a line each); from then on a probe
 * runs every `probeEveryMs` and the first one that answers ends the outage with one more line,
 * naming how long it lasted and how many requests it refused. Nothing has to be restarted.
 */
export class DependencyHealth {
  private readonly outages = new Map<Dependency, Outage>();
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly probes: Record<Dependency, RecoveryProbe>,
    private readonly probeEveryMs = 1000,
  ) {}

  /** Records a request that failed because `dependency` is away. */
  failed(dependency: Dependency, err: unknown): void {
    const outage = this.outages.get(dependency);
    if (outage) {
      outage.failures++;
      return;
    }
    if (this.closed) return;
    this.logger.warn(`${dependency} unavailable: requests that need it answer 503 until it is back`, {
      dependency,
      error: (err as Error)?.message,
    });
    const timer = setInterval(() => void this.probe(dependency), this.probeEveryMs);
    timer.unref();
    this.outages.set(dependency, { since: Date.now(), failures: 1, timer, probing: false });
  }

  isAway(dependency: Dependency): boolean {
    return this.outages.has(dependency);
  }

  /** Dependencies currently away, for `/ready`-style reports. */
  away(): Dependency[] {
    return [...this.outages.keys()];
  }

  private async probe(dependency: Dependency): Promise<void> {
    const outage = this.outages.get(dependency);
    // a probe may take longer than the interval (a connect timeout): one at a time
    if (!outage || outage.probing) return;
    outage.probing = true;
    try {
      await this.probes[dependency]();
    } catch {
      return;
    } finally {
      outage.probing = false;
    }
    if (this.outages.get(dependency) !== outage) return;
    clearInterval(outage.timer);
    this.outages.delete(dependency);
    this.logger.info(`${dependency} available again`, {
      dependency,
      downForMs: Date.now() - outage.since,
      refusedRequests: outage.failures,
    });
  }

  close(): void {
    this.closed = true;
    for (const outage of this.outages.values()) clearInterval(outage.timer);
    this.outages.clear();
  }
}
