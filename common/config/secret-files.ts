import fs from 'node:fs';
import type { Setting } from './schema';

/** A setting's problem, named by the variable the operator set. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/**
 * The Docker/Kubernetes secrets convention: `JWT_SECRET_FILE=/run/secrets/jwt` puts the file's
 * content in `JWT_SECRET`, so a secret never has to sit in the environment. Only settings declared
 * `secret` take a `_FILE` variant; setting both forms is refused rather than silently picking one.
 * One trailing newline (as `echo` and most editors write) is dropped.
 */
export function readSecretFiles(env: NodeJS.ProcessEnv, secrets: readonly Setting<unknown>[]): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const { env: name } of secrets) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      throw new ConfigError(`${name}_FILE`, `and ${name} are both set; set only one`);
    }
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${name}_FILE`, `names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}: ${file})`);
    }
    resolved[name] = content.replace(/\r?\n$/, '');
  }
  return resolved;
}
