import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { envSchema, QUEUE_NAMES, type QueueName } from './schema';
import { devSecrets } from './dev-secrets';

export { QUEUE_NAMES, type QueueName };

export type NodeEnv = 'development' | 'test' | 'production';

export interface Config {
  env: NodeEnv;
  isProduction: boolean;
  rootDir: string;
  http: {
    port: number;
    host: string;
    appUrl: string;
    corsOrigins: string[];
    trustProxy: boolean | number | string;
    jsonBodyLimit: string;
    shutdownTimeoutMs: number;
  };
  db: { url: string; poolMax: number; ssl: boolean; logSql: boolean };
  redis: { url: string; prefix: string };
  log: { level: 'error' | 'warn' | 'info' | 'http' | 'debug' | 'silent'; format: 'json' | 'pretty' };
  auth: {
    jwtSecret: string;
    jwtRefreshSecret: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    /** absolute lifetime of a login (refresh family), however often it is refreshed */
    familyMaxAgeSeconds: number;
    bcryptCost: number;
    issuer: 'gema-api';
    audience: 'gema';
  };
  rateLimit: {
    enabled: boolean;
    windowMs: number;
    max: number;
    authMax: number;
    authEmailMax: number;
    runMax: number;
  };
  metricsEnabled: boolean;
  worker: {
    queues: QueueName[];
    concurrency: Record<QueueName, number>;
    jobAttempts: number;
    jobBackoffMs: number;
  };
  mail: { smtpUrl?: string; from: string; dir: string };
  uploads: { dir: string; maxBytes: number; cloudinaryUrl?: string };
  sandbox: {
    backend: 'auto' | 'bwrap' | 'docker';
    dockerHost?: string;
    gradingQueueMaxDepth: number;
    maxPendingPerUser: number;
  };
  ai: {
    baseUrl: string;
    apiKey?: string;
    model: string;
    timeoutMs: number;
    /** `auto`: the chat-completions provider when an API key is set, else the static reviewer */
    provider: 'auto' | 'openai-compatible' | 'static';
    maxRetries: number;
    retryBaseMs: number;
    retryMaxDelayMs: number;
    maxTokens: number;
    temperature: number;
    /** evaluation requests per user per rate-limit window */
    evaluateRateLimitMax: number;
    /** waiting evaluations beyond which new requests get 503 */
    queueMaxDepth: number;
  };
  site: {
    /** where contact messages are sent */
    schoolEmail: string;
    /** contact messages per hour, per IP and per email address */
    contactPerHour: number;
    /** anonymous requests per IP per RATE_LIMIT_WINDOW_MS on the public routes */
    publicRateLimitMax: number;
    /** how long a process answers anonymous public reads from memory */
    publicCacheSeconds: number;
    /** an unreferenced file older than this is removed by the cleanup job */
    fileCleanupGraceMs: number;
    fileCleanupEveryMs: number;
    /** POST /seed/* exist only when this is true and NODE_ENV is not production */
    seedRoutesEnabled: boolean;
  };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const ROOT_DIR = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

/**
 * Validates an environment and turns it into the typed configuration. Pure apart from the
 * development secrets file, so tests can build configurations for odd cases side by side.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { value: v, error } = envSchema.validate(env, { abortEarly: true, convert: true });
  if (error) {
    const detail = error.details[0];
    const variable = String(detail?.path[0] ?? 'environment');
    const problem = (detail?.message ?? error.message).replace(/^"?[A-Z0-9_]+"?\s*/, '');
    throw new ConfigError(variable, problem);
  }
  const nodeEnv = v.NODE_ENV as NodeEnv;
  const isProduction = nodeEnv === 'production';

  let jwtSecret = v.JWT_SECRET as string | undefined;
  let jwtRefreshSecret = v.JWT_REFRESH_SECRET as string | undefined;
  if (isProduction) {
    if (!jwtSecret) throw new ConfigError('JWT_SECRET', 'is required in production (at least 32 characters)');
    if (!jwtRefreshSecret) {
      throw new ConfigError('JWT_REFRESH_SECRET', 'is required in production (at least 32 characters)');
    }
  } else if (!jwtSecret || !jwtRefreshSecret) {
    const generated = devSecrets(ROOT_DIR);
    jwtSecret ??= generated.jwtSecret;
    jwtRefreshSecret ??= generated.jwtRefreshSecret;
  }
  if (jwtSecret === jwtRefreshSecret) {
    throw new ConfigError('JWT_REFRESH_SECRET', 'must differ from JWT_SECRET');
  }

  const port = v.PORT as number;
  return {
    env: nodeEnv,
    isProduction,
    rootDir: ROOT_DIR,
    http: {
      port,
      host: v.HOST,
      appUrl: v.APP_URL,
      corsOrigins: v.CORS_ORIGINS,
      trustProxy: v.TRUST_PROXY,
      jsonBodyLimit: v.JSON_BODY_LIMIT,
      shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    },
    db: { url: v.DATABASE_URL, poolMax: v.DATABASE_POOL_MAX, ssl: v.DATABASE_SSL, logSql: v.DATABASE_LOG_SQL },
    redis: { url: v.REDIS_URL, prefix: v.REDIS_PREFIX },
    log: {
      level: v.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
      format: v.LOG_FORMAT ?? (nodeEnv === 'development' ? 'pretty' : 'json'),
    },
    auth: {
      jwtSecret,
      jwtRefreshSecret,
      accessTtlSeconds: v.JWT_ACCESS_TTL,
      refreshTtlSeconds: v.JWT_REFRESH_TTL,
      familyMaxAgeSeconds: v.REFRESH_FAMILY_MAX_AGE,
      bcryptCost: v.BCRYPT_COST,
      issuer: 'gema-api',
      audience: 'gema',
    },
    rateLimit: {
      enabled: v.RATE_LIMIT_ENABLED,
      windowMs: v.RATE_LIMIT_WINDOW_MS,
      max: v.RATE_LIMIT_MAX,
      authMax: v.AUTH_RATE_LIMIT_MAX,
      authEmailMax: v.AUTH_EMAIL_RATE_LIMIT_MAX,
      runMax: v.RUN_RATE_LIMIT_MAX,
    },
    metricsEnabled: v.METRICS_ENABLED,
    worker: {
      queues: v.WORKER_QUEUES,
      concurrency: {
        grading: v.WORKER_CONCURRENCY_GRADING,
        'ai-evaluation': v.WORKER_CONCURRENCY_AI_EVALUATION,
        email: v.WORKER_CONCURRENCY_EMAIL,
        'file-processing': v.WORKER_CONCURRENCY_FILE_PROCESSING,
        site: v.WORKER_CONCURRENCY_SITE,
      },
      jobAttempts: v.JOB_ATTEMPTS,
      jobBackoffMs: v.JOB_BACKOFF_MS,
    },
    mail: { smtpUrl: v.SMTP_URL, from: v.MAIL_FROM, dir: path.resolve(ROOT_DIR, v.MAIL_DIR) },
    uploads: {
      dir: path.resolve(ROOT_DIR, v.UPLOAD_DIR),
      maxBytes: v.UPLOAD_MAX_BYTES,
      cloudinaryUrl: v.CLOUDINARY_URL,
    },
    sandbox: {
      backend: v.SANDBOX,
      dockerHost: v.DOCKER_HOST,
      gradingQueueMaxDepth: v.GRADING_QUEUE_MAX_DEPTH,
      maxPendingPerUser: v.GRADING_MAX_PENDING_PER_USER,
    },
    ai: {
      baseUrl: v.AI_BASE_URL,
      apiKey: v.AI_API_KEY,
      model: v.AI_MODEL,
      timeoutMs: v.AI_TIMEOUT_MS,
      provider: v.AI_PROVIDER,
      maxRetries: v.AI_MAX_RETRIES,
      retryBaseMs: v.AI_RETRY_BASE_MS,
      retryMaxDelayMs: v.AI_RETRY_MAX_DELAY_MS,
      maxTokens: v.AI_MAX_TOKENS,
      temperature: v.AI_TEMPERATURE,
      evaluateRateLimitMax: v.AI_EVALUATE_RATE_LIMIT_MAX,
      queueMaxDepth: v.AI_QUEUE_MAX_DEPTH,
    },
    site: {
      schoolEmail: v.SCHOOL_EMAIL,
      contactPerHour: v.CONTACT_RATE_LIMIT_MAX,
      publicRateLimitMax: v.PUBLIC_RATE_LIMIT_MAX,
      publicCacheSeconds: v.PUBLIC_CACHE_SECONDS,
      fileCleanupGraceMs: Math.round(v.FILE_CLEANUP_GRACE_HOURS * 3600_000),
      fileCleanupEveryMs: v.FILE_CLEANUP_EVERY_MINUTES * 60_000,
      seedRoutesEnabled: v.SEED_ROUTES_ENABLED && !isProduction,
    },
  };
}

let cached: Config | undefined;

/** The process-wide configuration, read once (with `.env` if present) on first use. */
export function getConfig(): Config {
  if (!cached) {
    loadDotenv({ path: path.join(ROOT_DIR, '.env'), quiet: true });
    cached = loadConfig(process.env);
  }
  return cached;
}

/** Entry points call this so a bad setting ends the process with one readable line. */
export function getConfigOrExit(): Config {
  try {
    return getConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
