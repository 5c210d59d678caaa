import Joi from 'joi';

export const QUEUE_NAMES = ['grading', 'ai-evaluation', 'email', 'file-processing', 'site'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

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

/**
 * Every setting the processes read, with the defaults that let the quick start run on a developer
 * machine with no configuration. Variable names are the keys, so a validation message names the
 * variable as the operator typed it.
 */
export const envSchema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'test', 'production').default('development'),
  PORT: Joi.number().port().default(8080),
  HOST: Joi.string().default('0.0.0.0'),
  APP_URL: Joi.string().uri({ scheme: ['http', 'https'] }).default('http://localhost:3000'),

  DATABASE_URL: Joi.string()
    .uri({ scheme: ['postgres', 'postgresql'] })
    .default('postgres://postgres@127.0.0.1:5432/gema'),
  DATABASE_POOL_MAX: Joi.number().integer().min(1).max(200).default(10),
  DATABASE_SSL: Joi.boolean().default(false),
  DATABASE_LOG_SQL: Joi.boolean().default(false),

  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }).default('redis://127.0.0.1:6379/0'),
  REDIS_PREFIX: Joi.string()
    .pattern(/^[a-zA-Z0-9_:.-]+$/)
    .default('gema:'),

  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'http', 'debug', 'silent'),
  LOG_FORMAT: Joi.string().valid('json', 'pretty'),

  CORS_ORIGINS: csv(Joi.string().uri({ scheme: ['http', 'https'] })).default([]),
  TRUST_PROXY: Joi.alternatives()
    .try(Joi.boolean(), Joi.number().integer().min(0), Joi.string().pattern(/^[\w.,:/ -]+$/))
    .default(false),
  JSON_BODY_LIMIT: Joi.string().default('1mb'),

  JWT_SECRET: secret,
  JWT_REFRESH_SECRET: secret,
  JWT_ACCESS_TTL: Joi.number().integer().min(60).max(86_400).default(900),
  JWT_REFRESH_TTL: Joi.number().integer().min(3600).default(7 * 24 * 3600),
  REFRESH_FAMILY_MAX_AGE: Joi.number().integer().min(3600).default(30 * 24 * 3600),
  BCRYPT_COST: Joi.number().integer().min(4).max(15).default(10),

  RATE_LIMIT_ENABLED: Joi.boolean().default(true),
  RATE_LIMIT_WINDOW_MS: Joi.number().integer().min(1000).default(60_000),
  RATE_LIMIT_MAX: Joi.number().integer().min(1).default(600),
  AUTH_RATE_LIMIT_MAX: Joi.number().integer().min(1).default(5),
  AUTH_EMAIL_RATE_LIMIT_MAX: Joi.number().integer().min(1).default(5),
  RUN_RATE_LIMIT_MAX: Joi.number().integer().min(1).default(10),

  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(1000).max(120_000).default(25_000),
  METRICS_ENABLED: Joi.boolean().default(true),

  WORKER_QUEUES: csv(Joi.string().valid(...QUEUE_NAMES)).default([...QUEUE_NAMES]),
  WORKER_CONCURRENCY_GRADING: Joi.number().integer().min(1).max(64).default(2),
  WORKER_CONCURRENCY_AI_EVALUATION: Joi.number().integer().min(1).max(64).default(4),
  WORKER_CONCURRENCY_EMAIL: Joi.number().integer().min(1).max(64).default(5),
  WORKER_CONCURRENCY_FILE_PROCESSING: Joi.number().integer().min(1).max(64).default(2),
  WORKER_CONCURRENCY_SITE: Joi.number().integer().min(1).max(64).default(2),
  JOB_ATTEMPTS: Joi.number().integer().min(1).max(20).default(5),
  JOB_BACKOFF_MS: Joi.number().integer().min(10).default(2000),

  SMTP_URL: Joi.string().uri({ scheme: ['smtp', 'smtps'] }),
  MAIL_FROM: Joi.string().default('GEMA <no-reply@gema.local>'),
  MAIL_DIR: Joi.string().default('var/mail'),

  UPLOAD_DIR: Joi.string().default('var/uploads'),
  UPLOAD_MAX_BYTES: Joi.number()
    .integer()
    .min(1024)
    .max(25 * 1024 * 1024)
    .default(25 * 1024 * 1024),
  CLOUDINARY_URL: Joi.string().uri({ scheme: ['cloudinary'] }),

  SANDBOX: Joi.string().valid('auto', 'bwrap', 'docker').default('auto'),
  DOCKER_HOST: Joi.string(),
  GRADING_QUEUE_MAX_DEPTH: Joi.number().integer().min(1).default(500),
  GRADING_MAX_PENDING_PER_USER: Joi.number().integer().min(1).default(3),

  AI_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).default('https://api.openai.com/v1'),
  AI_API_KEY: Joi.string(),
  AI_MODEL: Joi.string().default('gpt-4o-mini'),
  AI_TIMEOUT_MS: Joi.number().integer().min(100).default(30_000),
  AI_PROVIDER: Joi.string().valid('auto', 'openai-compatible', 'static').default('auto'),
  AI_MAX_RETRIES: Joi.number().integer().min(0).max(10).default(3),
  AI_RETRY_BASE_MS: Joi.number().integer().min(1).default(500),
  AI_RETRY_MAX_DELAY_MS: Joi.number().integer().min(1).default(30_000),
  AI_MAX_TOKENS: Joi.number().integer().min(64).max(32_768).default(1500),
  AI_TEMPERATURE: Joi.number().min(0).max(2).default(0.2),
  AI_EVALUATE_RATE_LIMIT_MAX: Joi.number().integer().min(1).default(10),
  AI_QUEUE_MAX_DEPTH: Joi.number().integer().min(1).default(200),

  SCHOOL_EMAIL: Joi.string().email({ tlds: false }).default('info@gema.local'),
  CONTACT_RATE_LIMIT_MAX: Joi.number().integer().min(1).default(3),
  PUBLIC_RATE_LIMIT_MAX: Joi.number().integer().min(1).default(300),
  PUBLIC_CACHE_SECONDS: Joi.number().integer().min(0).max(60).default(5),
  FILE_CLEANUP_GRACE_HOURS: Joi.number().min(0).default(24),
  FILE_CLEANUP_EVERY_MINUTES: Joi.number().integer().min(1).default(60),
  SEED_ROUTES_ENABLED: Joi.boolean().default(false),
})
  .unknown(true)
  .prefs({ errors: { wrap: { label: false } } });
