import os from 'node:os';
import path from 'node:path';
import Joi from 'joi';
import { trustProxyRule } from './trust-proxy';

export const QUEUE_NAMES = [
  'grading',
  'ai-evaluation',
  'email',
  'file-processing',
  'notifications',
  'student-import',
  'site',
  'web-checks',
  'legacy-import',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'debug' | 'silent';

/**
 * One setting: the variable an operator sets, the joi rule that checks it, and (as a type parameter)
 * the type the processes read. `secret` settings may also come from `<NAME>_FILE` (see secret-files.ts).
 */
export interface Setting<T> {
  readonly env: string;
  readonly schema: Joi.Schema;
  readonly secret?: boolean;
  /** turns the validated value into what the processes read (e.g. a path resolved against the root) */
  readonly map?: (value: never, rootDir: string) => T;
  /** carries T for the derived Config type; never set */
  readonly __type?: T;
}

/** A value that is not configurable but belongs beside the settings it goes with. */
export interface Fixed<T> {
  readonly fixed: T;
}

const setting = <T>(env: string, schema: Joi.Schema, extra: Pick<Setting<T>, 'secret' | 'map'> = {}): Setting<T> => ({
  env,
  schema,
  ...extra,
});
const fixed = <const T>(value: T): Fixed<T> => ({ fixed: value });
const underRoot = (value: string, rootDir: string) => path.resolve(rootDir, value);

const csv = (items: Joi.Schema) =>
  Joi.alternatives().try(
    Joi.array().items(items),
    Joi.string()
      .allow('')
      .custom((value: string, helpers) => {
        const list = value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const { error, value: checked } = Joi.array().items(items).validate(list);
        if (error) return helpers.message({ custom: `has ${error.details[0]?.message ?? 'an invalid item'}` });
        return checked;
      }),
  );

const secret = Joi.string().min(32);
const concurrency = (fallback: number) => Joi.number().integer().min(1).max(64).default(fallback);
// joi hands a function default the object being validated, so a default may follow NODE_ENV
// a rounding step for figures students see, or `none` to show none
const bucket = (max: number, fallback: number) =>
  Joi.alternatives().try(Joi.number().integer().min(1).max(max), Joi.string().valid('none')).default(fallback);
const noneAsNull = (value: number | 'none') => (value === 'none' ? null : value);
const envOf = (parent: { NODE_ENV?: string }) => parent.NODE_ENV ?? 'development';

/**
 * Every setting the processes read, with the defaults that let the quick start run on a developer
 * machine with no configuration. This is the one declaration: the joi schema (`envSchema`), the
 * `Config` type and the mapping from variables to `Config` are all derived from it.
 */
export const settings = {
  env: setting<NodeEnv>('NODE_ENV', Joi.string().valid('development', 'test', 'production').default('development')),
  http: {
    port: setting<number>('PORT', Joi.number().port().default(8080)),
    host: setting<string>('HOST', Joi.string().default('0.0.0.0')),
    appUrl: setting<string>(
      'APP_URL',
      Joi.string()
        .uri({ scheme: ['http', 'https'] })
        .default('http://localhost:3000'),
    ),
    corsOrigins: setting<string[]>('CORS_ORIGINS', csv(Joi.string().uri({ scheme: ['http', 'https'] })).default([])),
    /** a hop count or the proxies' addresses, never `true` (trust-proxy.ts) */
    trustProxy: setting<number | string[]>('TRUST_PROXY', trustProxyRule),
    jsonBodyLimit: setting<string>('JSON_BODY_LIMIT', Joi.string().default('1mb')),
  },
  db: {
    url: setting<string>(
      'DATABASE_URL',
      Joi.string()
        .uri({ scheme: ['postgres', 'postgresql'] })
        .default('postgres://postgres@127.0.0.1:5432/gema'),
      { secret: true },
    ),
    poolMax: setting<number>('DATABASE_POOL_MAX', Joi.number().integer().min(1).max(200).default(10)),
    ssl: setting<boolean>('DATABASE_SSL', Joi.boolean().default(false)),
    logSql: setting<boolean>('DATABASE_LOG_SQL', Joi.boolean().default(false)),
    connectTimeoutMs: setting<number>('DATABASE_CONNECT_TIMEOUT_MS', Joi.number().integer().min(100).max(60_000).default(2000)),
  },
  redis: {
    url: setting<string>(
      'REDIS_URL',
      Joi.string()
        .uri({ scheme: ['redis', 'rediss'] })
        .default('redis://127.0.0.1:6379/0'),
      {
        secret: true,
      },
    ),
    prefix: setting<string>(
      'REDIS_PREFIX',
      Joi.string()
        .pattern(/^[a-zA-Z0-9_:.-]+$/)
        .default('gema:'),
    ),
    commandTimeoutMs: setting<number>('REDIS_COMMAND_TIMEOUT_MS', Joi.number().integer().min(50).max(60_000).default(1000)),
  },
  log: {
    level: setting<LogLevel>(
      'LOG_LEVEL',
      Joi.string()
        .valid('error', 'warn', 'info', 'http', 'debug', 'silent')
        .default((p: { NODE_ENV?: string }) => (envOf(p) === 'test' ? 'silent' : 'info')),
    ),
    format: setting<'json' | 'pretty'>(
      'LOG_FORMAT',
      Joi.string()
        .valid('json', 'pretty')
        .default((p: { NODE_ENV?: string }) => (envOf(p) === 'development' ? 'pretty' : 'json')),
    ),
  },
  auth: {
    // required in production, generated under var/ otherwise (see index.ts)
    jwtSecret: setting<string>('JWT_SECRET', secret, { secret: true }),
    jwtRefreshSecret: setting<string>('JWT_REFRESH_SECRET', secret, { secret: true }),
    accessTtlSeconds: setting<number>('JWT_ACCESS_TTL', Joi.number().integer().min(60).max(86_400).default(900)),
    refreshTtlSeconds: setting<number>(
      'JWT_REFRESH_TTL',
      Joi.number()
        .integer()
        .min(3600)
        .default(7 * 24 * 3600),
    ),
    /** absolute lifetime of a login (refresh family), however often it is refreshed */
    familyMaxAgeSeconds: setting<number>(
      'REFRESH_FAMILY_MAX_AGE',
      Joi.number()
        .integer()
        .min(3600)
        .default(30 * 24 * 3600),
    ),
    bcryptCost: setting<number>('BCRYPT_COST', Joi.number().integer().min(4).max(15).default(10)),
    issuer: fixed('gema-api'),
    audience: fixed('gema'),
  },
  rateLimit: {
    enabled: setting<boolean>('RATE_LIMIT_ENABLED', Joi.boolean().default(true)),
    windowMs: setting<number>('RATE_LIMIT_WINDOW_MS', Joi.number().integer().min(1000).default(60_000)),
    max: setting<number>('RATE_LIMIT_MAX', Joi.number().integer().min(1).default(600)),
    authMax: setting<number>('AUTH_RATE_LIMIT_MAX', Joi.number().integer().min(1).default(5)),
    authEmailMax: setting<number>('AUTH_EMAIL_RATE_LIMIT_MAX', Joi.number().integer().min(1).default(5)),
    runMax: setting<number>('RUN_RATE_LIMIT_MAX', Joi.number().integer().min(1).default(10)),
    /** chat messages per user per window */
    chatMessageMax: setting<number>('CHAT_MESSAGE_RATE_LIMIT_MAX', Joi.number().integer().min(1).default(30)),
  },
  shutdown: {
    /** how long a stopping process lets in-flight requests and running jobs finish (web and worker alike) */
    timeoutMs: setting<number>('SHUTDOWN_TIMEOUT_MS', Joi.number().integer().min(1000).max(120_000).default(25_000)),
  },
  metricsEnabled: setting<boolean>('METRICS_ENABLED', Joi.boolean().default(true)),
  worker: {
    queues: setting<QueueName[]>('WORKER_QUEUES', csv(Joi.string().valid(...QUEUE_NAMES)).default([...QUEUE_NAMES])),
    concurrency: {
      // one grading job per core: Python, C and Java runs are CPU-bound, and the JavaScript runner
      // pool is as large as this (worker/grading/processor.ts), so no job waits for a runner child
      grading: setting<number>('WORKER_CONCURRENCY_GRADING', concurrency(Math.max(2, os.availableParallelism()))),
      'ai-evaluation': setting<number>('WORKER_CONCURRENCY_AI_EVALUATION', concurrency(4)),
      email: setting<number>('WORKER_CONCURRENCY_EMAIL', concurrency(5)),
      'file-processing': setting<number>('WORKER_CONCURRENCY_FILE_PROCESSING', concurrency(2)),
      notifications: setting<number>('WORKER_CONCURRENCY_NOTIFICATIONS', concurrency(2)),
      'student-import': setting<number>('WORKER_CONCURRENCY_STUDENT_IMPORT', Joi.number().integer().min(1).max(8).default(1)),
      site: setting<number>('WORKER_CONCURRENCY_SITE', concurrency(2)),
      /** one page at a time per browser; each unit is a Chromium page of a few hundred MB */
      'web-checks': setting<number>('WORKER_CONCURRENCY_WEB_CHECKS', Joi.number().integer().min(1).max(8).default(1)),
      // one import at a time per GEMA database (an advisory lock); more would only wait for it
      'legacy-import': setting<number>('WORKER_CONCURRENCY_LEGACY_IMPORT', Joi.number().integer().min(1).max(1).default(1)),
    },
    jobAttempts: setting<number>('JOB_ATTEMPTS', Joi.number().integer().min(1).max(20).default(5)),
    jobBackoffMs: setting<number>('JOB_BACKOFF_MS', Joi.number().integer().min(10).default(2000)),
    /** the worker's health/readiness/metrics port; unset: no HTTP server in the worker */
    httpPort: setting<number | undefined>('WORKER_HTTP_PORT', Joi.number().port()),
    httpHost: setting<string>('WORKER_HTTP_HOST', Joi.string().default('0.0.0.0')),
  },
  mail: {
    smtpUrl: setting<string | undefined>('SMTP_URL', Joi.string().uri({ scheme: ['smtp', 'smtps'] }), { secret: true }),
    from: setting<string>('MAIL_FROM', Joi.string().default('GEMA <no-reply@gema.local>')),
    dir: setting<string>('MAIL_DIR', Joi.string().default('var/mail'), { map: underRoot }),
  },
  /** README.md#admin-bulk-import-and-export */
  studentImport: {
    maxBytes: setting<number>(
      'STUDENT_IMPORT_MAX_BYTES',
      Joi.number()
        .integer()
        .min(1024)
        .max(50 * 1024 * 1024)
        .default(5 * 1024 * 1024),
    ),
    maxRows: setting<number>('STUDENT_IMPORT_MAX_ROWS', Joi.number().integer().min(1).max(100_000).default(20_000)),
    inlineRows: setting<number>('STUDENT_IMPORT_INLINE_ROWS', Joi.number().integer().min(1).max(100_000).default(300)),
  },
  /** README.md#admin-analytics; 0 turns the cache off */
  analyticsCacheTtlSeconds: setting<number>('ANALYTICS_CACHE_TTL_SECONDS', Joi.number().integer().min(0).max(86_400).default(600)),
  /** README.md#moving-from-the-old-gema: the old GEMA's database, read (never written) by the legacy import */
  legacy: {
    /** where the old app's local upload paths are found (its `public/` directory), for the admin job */
    filesRoot: setting<string | undefined>('LEGACY_FILES_ROOT', Joi.string()),
    databaseUrl: setting<string | undefined>('LEGACY_DATABASE_URL', Joi.string().uri({ scheme: ['postgres', 'postgresql'] }), { secret: true }),
  },
  uploads: {
    dir: setting<string>('UPLOAD_DIR', Joi.string().default('var/uploads'), { map: underRoot }),
    maxBytes: setting<number>(
      'UPLOAD_MAX_BYTES',
      Joi.number()
        .integer()
        .min(1024)
        .max(25 * 1024 * 1024)
        .default(25 * 1024 * 1024),
    ),
    cloudinaryUrl: setting<string | undefined>('CLOUDINARY_URL', Joi.string().uri({ scheme: ['cloudinary'] }), { secret: true }),
  },
  sandbox: {
    backend: setting<'auto' | 'bwrap' | 'docker'>('SANDBOX', Joi.string().valid('auto', 'bwrap', 'docker').default('auto')),
    dockerHost: setting<string | undefined>('DOCKER_HOST', Joi.string()),
    gradingQueueMaxDepth: setting<number>('GRADING_QUEUE_MAX_DEPTH', Joi.number().integer().min(1).default(500)),
    maxPendingPerUser: setting<number>('GRADING_MAX_PENDING_PER_USER', Joi.number().integer().min(1).default(3)),
    /** how coarsely students see a hidden test's time and memory (null: not at all) */
    /** run python/c/cpp/java without control groups (unsafe): README.md#isolation-levels */
    allowWeakIsolation: setting<boolean>('SANDBOX_ALLOW_WEAK_ISOLATION', Joi.boolean().default(false)),
    hiddenFigures: {
      timeMs: setting<number | null>('HIDDEN_TEST_TIME_BUCKET_MS', bucket(60_000, 100), { map: noneAsNull }),
      memoryKb: setting<number | null>('HIDDEN_TEST_MEMORY_BUCKET_KB', bucket(1024 * 1024, 4096), { map: noneAsNull }),
    },
  },
  site: {
    /** where contact messages are sent */
    schoolEmail: setting<string>('SCHOOL_EMAIL', Joi.string().email({ tlds: false }).default('info@gema.local')),
    /** contact messages per hour, per IP and per email address */
    contactPerHour: setting<number>('CONTACT_RATE_LIMIT_MAX', Joi.number().integer().min(1).default(3)),
    /** anonymous requests per IP per RATE_LIMIT_WINDOW_MS on the public routes */
    publicRateLimitMax: setting<number>('PUBLIC_RATE_LIMIT_MAX', Joi.number().integer().min(1).default(300)),
    /** how long a process answers anonymous public reads from memory */
    publicCacheSeconds: setting<number>('PUBLIC_CACHE_SECONDS', Joi.number().integer().min(0).max(60).default(5)),
    /** how long a student's dashboard and assignment pages may be answered from Redis (changes invalidate them at once) */
    studentCacheSeconds: setting<number>('STUDENT_CACHE_SECONDS', Joi.number().integer().min(0).max(3600).default(300)),
    /**
     * bytes of those pages one API process holds in memory, compressed forms included (least used out
     * first): ~19 KB a student reading both pages with brotli, so 32 MB holds a school of ~1,600; a
     * bound below the pages students read in turn answers almost every request from Redis instead
     */
    studentCacheMemoryBytes: setting<number>('STUDENT_CACHE_MEMORY_MB', Joi.number().min(0).max(1024).default(32), {
      map: (mb: number) => Math.round(mb * 1024 * 1024),
    }),
    /** an unreferenced file older than this is removed by the cleanup job */
    fileCleanupGraceMs: setting<number>('FILE_CLEANUP_GRACE_HOURS', Joi.number().min(0).default(24), {
      map: (hours: number) => Math.round(hours * 3600_000),
    }),
    fileCleanupEveryMs: setting<number>('FILE_CLEANUP_EVERY_MINUTES', Joi.number().integer().min(1).default(60), {
      map: (minutes: number) => minutes * 60_000,
    }),
    /** POST /seed/* exist only when this is true and NODE_ENV is not production (loadConfig) */
    seedRoutesEnabled: setting<boolean>('SEED_ROUTES_ENABLED', Joi.boolean().default(false)),
  },
  streams: {
    /** open Server-Sent Events streams per user, across API processes */
    maxPerUser: setting<number>('STREAM_MAX_PER_USER', Joi.number().integer().min(1).max(100).default(5)),
    heartbeatMs: setting<number>('STREAM_HEARTBEAT_MS', Joi.number().integer().min(100).max(60_000).default(15_000)),
    retryMs: setting<number>('STREAM_RETRY_MS', Joi.number().integer().min(0).max(60_000).default(3000)),
  },
  /** README.md#realtime */
  sockets: {
    /** events a socket may send per second on average (subscribe, chat typing, re-auth …) */
    eventsPerSecond: setting<number>('SOCKET_EVENTS_PER_SECOND', Joi.number().min(0.1).max(1000).default(10)),
    /** events a socket may send at once before the average applies */
    eventBurst: setting<number>('SOCKET_EVENT_BURST', Joi.number().integer().min(1).max(10_000).default(30)),
    /** rooms one socket may `subscribe` to at once (the rooms of the handshake are not counted) */
    maxSubscriptions: setting<number>('SOCKET_MAX_SUBSCRIPTIONS', Joi.number().integer().min(1).max(10_000).default(50)),
    /** sockets one user may hold on one API process; a new one past it ends that user's oldest */
    maxPerUser: setting<number>('SOCKET_MAX_PER_USER', Joi.number().integer().min(1).max(1000).default(10)),
  },
  /** README.md#web-lab */
  webLab: {
    maxFiles: setting<number>('WEB_LAB_MAX_FILES', Joi.number().integer().min(1).max(500).default(30)),
    maxBytes: setting<number>(
      'WEB_LAB_MAX_BYTES',
      Joi.number()
        .integer()
        .min(1024)
        .max(50 * 1024 * 1024)
        .default(5 * 1024 * 1024),
    ),
    /** the origin previews are served from (a separate one is recommended); unset: the API's own */
    previewOrigin: setting<string | undefined>('PREVIEW_ORIGIN', Joi.string().uri({ scheme: ['http', 'https'] })),
    previewTtlSeconds: setting<number>('PREVIEW_TTL_SECONDS', Joi.number().integer().min(10).max(3600).default(300)),
    /** who may frame previews; empty: APP_URL and CORS_ORIGINS */
    frameAncestors: setting<string[]>('PREVIEW_FRAME_ANCESTORS', csv(Joi.string().uri({ scheme: ['http', 'https'] })).default([])),
    chromiumPath: setting<string>('CHROMIUM_PATH', Joi.string().default('/usr/bin/chromium')),
    /** the unprivileged account Chromium runs as when the worker is root */
    browserUser: setting<string>(
      'WEB_CHECKS_BROWSER_USER',
      Joi.string()
        .pattern(/^[a-z_][a-z0-9_-]*$/)
        .default('nobody'),
    ),
    pageTimeoutMs: setting<number>('WEB_CHECKS_PAGE_TIMEOUT_MS', Joi.number().integer().min(500).max(120_000).default(10_000)),
    checkTimeoutMs: setting<number>('WEB_CHECKS_CHECK_TIMEOUT_MS', Joi.number().integer().min(500).max(120_000).default(5_000)),
    /** a browser is closed and a fresh one started after this many pages */
    pagesPerBrowser: setting<number>('WEB_CHECKS_PAGES_PER_BROWSER', Joi.number().integer().min(1).max(10_000).default(50)),
    queueMaxDepth: setting<number>('WEB_CHECKS_QUEUE_MAX_DEPTH', Joi.number().integer().min(1).default(500)),
    /** a student's versions waiting for their checks beyond which a submit gets 429 */
    maxPendingPerUser: setting<number>('WEB_CHECKS_MAX_PENDING_PER_USER', Joi.number().integer().min(1).default(3)),
  },
  ai: {
    baseUrl: setting<string>(
      'AI_BASE_URL',
      Joi.string()
        .uri({ scheme: ['http', 'https'] })
        .default('https://api.openai.com/v1'),
    ),
    apiKey: setting<string | undefined>('AI_API_KEY', Joi.string(), { secret: true }),
    model: setting<string>('AI_MODEL', Joi.string().default('gpt-4o-mini')),
    timeoutMs: setting<number>('AI_TIMEOUT_MS', Joi.number().integer().min(100).default(30_000)),
    /** `auto`: the chat-completions provider when an API key is set, else the static reviewer */
    provider: setting<'auto' | 'openai-compatible' | 'static'>(
      'AI_PROVIDER',
      Joi.string().valid('auto', 'openai-compatible', 'static').default('auto'),
    ),
    /**
     * the longest `Retry-After` the evaluation waits for (as a delayed job, holding no worker); a
     * provider asking for longer (a spent daily quota) fails the evaluation with its reason
     */
    retryMaxDelayMs: setting<number>('AI_RETRY_MAX_DELAY_MS', Joi.number().integer().min(1).default(300_000)),
    maxTokens: setting<number>('AI_MAX_TOKENS', Joi.number().integer().min(64).max(32_768).default(1500)),
    temperature: setting<number>('AI_TEMPERATURE', Joi.number().min(0).max(2).default(0.2)),
    /** evaluation requests per user per rate-limit window */
    evaluateRateLimitMax: setting<number>('AI_EVALUATE_RATE_LIMIT_MAX', Joi.number().integer().min(1).default(10)),
    /** waiting evaluations beyond which new requests get 503 */
    queueMaxDepth: setting<number>('AI_QUEUE_MAX_DEPTH', Joi.number().integer().min(1).default(200)),
  },
};

type Declaration = Setting<unknown> | Fixed<unknown> | { readonly [key: string]: Declaration };

/** The configuration type, read off the declaration above. */
export type Settings<D> = D extends Setting<infer T> ? T : D extends Fixed<infer F> ? F : { -readonly [K in keyof D]: Settings<D[K]> };

function isSetting(d: Declaration): d is Setting<unknown> {
  return typeof (d as Setting<unknown>).env === 'string' && Joi.isSchema((d as Setting<unknown>).schema);
}
function isFixed(d: Declaration): d is Fixed<unknown> {
  return Object.prototype.hasOwnProperty.call(d, 'fixed');
}

/** Every setting in declaration order. */
export function listSettings(d: Declaration = settings as Declaration): Setting<unknown>[] {
  if (isSetting(d)) return [d];
  if (isFixed(d)) return [];
  return Object.values(d).flatMap((child) => listSettings(child));
}

/** Builds the nested configuration from validated variables, following the declaration's shape. */
export function mapSettings<D extends Declaration>(d: D, values: Record<string, unknown>, rootDir: string): Settings<D> {
  if (isSetting(d)) {
    const value = values[d.env];
    return (d.map && value !== undefined ? d.map(value as never, rootDir) : value) as Settings<D>;
  }
  if (isFixed(d)) return d.fixed as Settings<D>;
  return Object.fromEntries(Object.entries(d).map(([key, child]) => [key, mapSettings(child as Declaration, values, rootDir)])) as Settings<D>;
}

/**
 * The joi schema of the environment: variable names are the keys, so a validation message names the
 * variable as the operator typed it.
 */
export const envSchema = Joi.object(Object.fromEntries(listSettings().map((s) => [s.env, s.schema])))
  .unknown(true)
  .prefs({ errors: { wrap: { label: false } } });
