import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { envSchema, listSettings, mapSettings, settings, QUEUE_NAMES, type QueueName, type NodeEnv, type Settings } from './schema';
import { ConfigError, readSecretFiles } from './secret-files';
import { devSecrets } from './dev-secrets';

export { QUEUE_NAMES, ConfigError, type QueueName, type NodeEnv };

/** The typed configuration: the declaration in schema.ts, plus what is derived from it. */
export type Config = Settings<typeof settings> & {
  isProduction: boolean;
  rootDir: string;
};

const ROOT_DIR = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');
const SECRETS = listSettings().filter((s) => s.secret);

/**
 * Validates an environment and turns it into the typed configuration. Pure apart from the
 * development secrets file (and `*_FILE` secrets), so tests can build configurations side by side.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { value, error } = envSchema.validate(readSecretFiles(env, SECRETS), { abortEarly: true, convert: true });
  if (error) {
    const detail = error.details[0];
    const variable = String(detail?.path[0] ?? 'environment');
    const problem = (detail?.message ?? error.message).replace(/^"?[A-Z0-9_]+"?\s*/, '');
    throw new ConfigError(variable, problem);
  }
  const config: Config = { ...mapSettings(settings, value as Record<string, unknown>, ROOT_DIR), isProduction: false, rootDir: ROOT_DIR };
  config.isProduction = config.env === 'production';
  // development seed routes never exist in production, whatever SEED_ROUTES_ENABLED says
  if (config.isProduction) config.site.seedRoutesEnabled = false;

  const auth = config.auth;
  if (config.isProduction) {
    if (!auth.jwtSecret) throw new ConfigError('JWT_SECRET', 'is required in production (at least 32 characters)');
    if (!auth.jwtRefreshSecret) throw new ConfigError('JWT_REFRESH_SECRET', 'is required in production (at least 32 characters)');
  } else if (!auth.jwtSecret || !auth.jwtRefreshSecret) {
    const generated = devSecrets(ROOT_DIR);
    auth.jwtSecret ||= generated.jwtSecret;
    auth.jwtRefreshSecret ||= generated.jwtRefreshSecret;
  }
  if (auth.jwtSecret === auth.jwtRefreshSecret) {
    throw new ConfigError('JWT_REFRESH_SECRET', 'must differ from JWT_SECRET');
  }
  return config;
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
