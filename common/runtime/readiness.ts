/** A readiness probe resolves when its dependency can serve, and throws (with the reason) when not. */
export type ReadinessProbe = () => Promise<unknown>;

export interface ReadinessReport {
  ready: boolean;
  /** `ok`, or why the check failed */
  checks: Record<string, string>;
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

/**
 * The named checks behind `/ready`. Each process registers its own (PostgreSQL and Redis always;
 * the worker adds e.g. the sandbox self-check), and every check runs on every probe with a time limit.
 */
export class ReadinessChecks {
  private readonly probes = new Map<string, ReadinessProbe>();

  constructor(private readonly timeoutMs = 1500) {}

  register(name: string, probe: ReadinessProbe): this {
    this.probes.set(name, probe);
    return this;
  }

  async run(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.probes].map(async ([name, probe]): Promise<[string, string]> => {
        try {
          await within(probe(), this.timeoutMs, name);
          return [name, 'ok'];
        } catch (err) {
          return [name, (err as Error).message || 'unreachable'];
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return { ready: entries.every(([, v]) => v === 'ok'), checks };
  }
}

/** PostgreSQL and Redis: what every process needs before it can do anything useful. */
export function coreReadiness(deps: { sequelize: { query(sql: string): Promise<unknown> }; redis: { ping(): Promise<unknown> } }): ReadinessChecks {
  return new ReadinessChecks().register('postgres', () => deps.sequelize.query('SELECT 1')).register('redis', () => deps.redis.ping());
}

/** The 503 body of a failed readiness probe, in the API's error envelope. */
export function notReady(checks: Record<string, string>) {
  const failing = Object.entries(checks).filter(([, v]) => v !== 'ok');
  return {
    error: {
      code: 'NOT_READY',
      message: `Not ready: ${failing.map(([k]) => k).join(' and ')} not answering`,
      details: checks,
    },
  };
}
