import type { Redis } from 'ioredis';
import { LANGUAGES as CODING_LANGUAGES, type Language as CodingLanguage } from './languages';

/**
 * What each grading worker found when it tried every language at start (worker/sandbox/self-check.ts),
 * kept in Redis under a key per worker that lives only while the worker keeps refreshing it, so the
 * API can tell which languages can run right now (README.md#languages-workers-can-run).
 */
export interface LanguageCheck {
  language: CodingLanguage;
  available: boolean;
  /** e.g. "Python 3.11.2", as the hello-world printed it; null when it did not run */
  version: string | null;
  /** why it cannot run, when it cannot */
  reason?: string;
  /** what an operator does about it, e.g. `apt-get install bubblewrap` */
  fix?: string;
}

/** How a worker bounds and measures native runs (README.md#isolation-levels). */
export type IsolationLevel = 'cgroup2' | 'cgroup1' | 'none';

export interface WorkerIsolation {
  level: IsolationLevel;
  /** what is missing for a better level */
  reason?: string;
}

export interface WorkerLimits {
  /** a playground run's limits (a task's own limits apply to its submissions) */
  playground: { timeMs: number; memoryMb: number };
  compile: { timeMs: number; memoryMb: number };
}

export interface SandboxReport {
  workerId: string;
  hostname: string;
  pid: number;
  backend: string;
  node: string;
  checkedAt: string;
  limits: WorkerLimits;
  /** control groups v2, v1 or none: what bounds python, c, cpp and java on this worker */
  isolation: WorkerIsolation;
  languages: LanguageCheck[];
}

/** how long a report outlives its worker's last refresh; the worker refreshes three times as often */
export const REPORT_TTL_S = 90;
export const REPORT_REFRESH_MS = (REPORT_TTL_S * 1000) / 3;

/**
 * One hash, a field per worker holding its report and when it expires: one HGETALL answers the
 * API's check before each submission, where a SCAN would walk the whole keyspace. Readers drop the
 * fields of workers that stopped refreshing (killed without a goodbye).
 */
const keyOf = (prefix: string) => `${prefix}sandbox:reports`;

interface Stored {
  expiresAt: number;
  report: SandboxReport;
}

export async function storeReport(redis: Redis, prefix: string, report: SandboxReport, ttlS = REPORT_TTL_S): Promise<void> {
  const stored: Stored = { expiresAt: Date.now() + ttlS * 1000, report };
  await redis.hset(keyOf(prefix), report.workerId, JSON.stringify(stored));
}

export async function dropReport(redis: Redis, prefix: string, workerId: string): Promise<void> {
  await redis.hdel(keyOf(prefix), workerId);
}

/** What liveReports needs of a client: ioredis, or npm start's bare connection (common/runtime/redis-connection.ts). */
export interface ReportReader {
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, ...fields: string[]): Promise<unknown>;
}

/** The reports of the workers alive now: those refreshed within their TTL. */
export async function liveReports(redis: ReportReader, prefix: string, now = Date.now()): Promise<SandboxReport[]> {
  const fields = await redis.hgetall(keyOf(prefix));
  const live: SandboxReport[] = [];
  const expired: string[] = [];
  for (const [workerId, value] of Object.entries(fields)) {
    let stored: Stored | undefined;
    try {
      stored = JSON.parse(value) as Stored;
    } catch {
      stored = undefined;
    }
    if (stored && stored.expiresAt > now) live.push(stored.report);
    else expired.push(workerId);
  }
  if (expired.length) await redis.hdel(keyOf(prefix), ...expired).catch(() => undefined);
  return live;
}

/**
 * `available`: every live worker that reported the language can run it; `partial`: some can (a
 * job may still land on one that cannot); `unavailable`: every one that reported says it cannot;
 * `unknown`: no live worker reported (none running, or all still checking).
 */
export type LanguageStatus = 'available' | 'partial' | 'unavailable' | 'unknown';

export interface LanguageAvailability {
  language: CodingLanguage;
  status: LanguageStatus;
  /** the versions the workers that can run it reported, most common first */
  versions: string[];
  workers: { available: number; unavailable: number };
  /** the reasons and fixes of the workers that cannot run it */
  problems: Array<{ reason: string; fix: string | null; workers: number }>;
  /** the latest check counted, null when none */
  checkedAt: string | null;
  /** the isolation levels of the workers that reported it, best first */
  isolation: IsolationLevel[];
}

const ISOLATION_ORDER: readonly IsolationLevel[] = ['cgroup2', 'cgroup1', 'none'];

const countBy = (items: string[]) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
};

export function mergeReports(reports: SandboxReport[]): LanguageAvailability[] {
  return CODING_LANGUAGES.map((language) => {
    const checks = reports.flatMap((r) => r.languages.filter((c) => c.language === language).map((c) => ({ c, at: r.checkedAt })));
    const ok = checks.filter(({ c }) => c.available);
    const bad = checks.filter(({ c }) => !c.available);
    const status: LanguageStatus = checks.length === 0 ? 'unknown' : bad.length === 0 ? 'available' : ok.length === 0 ? 'unavailable' : 'partial';
    const problems = countBy(bad.map(({ c }) => JSON.stringify([c.reason ?? 'unknown reason', c.fix ?? null]))).map(([key, workers]) => {
      const [reason, fix] = JSON.parse(key) as [string, string | null];
      return { reason, fix, workers };
    });
    return {
      language,
      status,
      versions: countBy(ok.flatMap(({ c }) => (c.version ? [c.version] : []))).map(([v]) => v),
      workers: { available: ok.length, unavailable: bad.length },
      isolation: ISOLATION_ORDER.filter((level) =>
        reports.some((r) => r.isolation?.level === level && r.languages.some((c) => c.language === language)),
      ),
      problems,
      checkedAt:
        checks
          .map(({ at }) => at)
          .sort()
          .at(-1) ?? null,
    };
  });
}
