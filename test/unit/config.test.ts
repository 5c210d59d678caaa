import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../common/config';
import { envSchema } from '../../common/config/schema';

const secret = (c: string) => c.repeat(40);

function problemWith(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('starts with no settings at all outside production, using local defaults', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.db.url).to.equal('postgres://postgres@127.0.0.1:5432/gema');
    expect(config.redis.url).to.equal('redis://127.0.0.1:6379/0');
    expect(config.http.port).to.equal(8080);
    expect(config.auth.jwtSecret).to.have.length.of.at.least(32);
    expect(config.worker.queues).to.deep.equal([
      'grading',
      'ai-evaluation',
      'email',
      'file-processing',
      'notifications',
      'student-import',
      'site',
      'web-checks',
      'legacy-import',
    ]);
  });

  it('keeps the generated development secrets across restarts', () => {
    const first = loadConfig({ NODE_ENV: 'development' });
    const second = loadConfig({ NODE_ENV: 'development' });
    expect(second.auth.jwtSecret).to.equal(first.auth.jwtSecret);
    expect(second.auth.jwtRefreshSecret).to.equal(first.auth.jwtRefreshSecret);
  });

  it('names a bad port', () => {
    expect(problemWith({ PORT: 'eighty' })).to.match(/^Invalid configuration: PORT must be a number/);
  });

  it('names a database URL that is not PostgreSQL', () => {
    expect(problemWith({ DATABASE_URL: 'mysql://localhost/gema' })).to.match(/DATABASE_URL must be a valid uri/);
  });

  it('requires JWT_SECRET in production', () => {
    expect(problemWith({ NODE_ENV: 'production', JWT_REFRESH_SECRET: secret('r') })).to.equal(
      'Invalid configuration: JWT_SECRET is required in production (at least 32 characters)',
    );
  });

  it('requires JWT_REFRESH_SECRET in production', () => {
    expect(problemWith({ NODE_ENV: 'production', JWT_SECRET: secret('a') })).to.match(/^Invalid configuration: JWT_REFRESH_SECRET is required/);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(problemWith({ NODE_ENV: 'production', JWT_SECRET: 'short', JWT_REFRESH_SECRET: secret('r') })).to.match(
      /JWT_SECRET length must be at least 32 characters long/,
    );
  });

  it('refuses the same secret for access and refresh tokens', () => {
    expect(problemWith({ NODE_ENV: 'production', JWT_SECRET: secret('a'), JWT_REFRESH_SECRET: secret('a') })).to.match(
      /JWT_REFRESH_SECRET must differ from JWT_SECRET/,
    );
  });

  it('names an unknown queue in WORKER_QUEUES', () => {
    expect(problemWith({ WORKER_QUEUES: 'grading,printing' })).to.match(/^Invalid configuration: WORKER_QUEUES/);
  });

  it('reads WORKER_QUEUES as a comma-separated list', () => {
    expect(loadConfig({ WORKER_QUEUES: 'grading, email' }).worker.queues).to.deep.equal(['grading', 'email']);
  });

  it('grades as many jobs at once per worker as the machine has cores, at least two', () => {
    expect(loadConfig({}).worker.concurrency.grading).to.equal(Math.max(2, os.availableParallelism()));
    expect(loadConfig({ WORKER_CONCURRENCY_GRADING: '3' }).worker.concurrency.grading).to.equal(3);
  });

  it('reads CORS_ORIGINS as an allow-list', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://gema.sch.id,http://localhost:3000' });
    expect(config.http.corsOrigins).to.deep.equal(['https://gema.sch.id', 'http://localhost:3000']);
  });

  it('accepts a hop count for TRUST_PROXY', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).to.equal(1);
  });

  it('logs JSON in production and readable lines in development', () => {
    const prod = loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret('a'), JWT_REFRESH_SECRET: secret('b') });
    expect(prod.log.format).to.equal('json');
    expect(loadConfig({ NODE_ENV: 'development' }).log.format).to.equal('pretty');
  });

  it('has every setting it reads listed in .env.example and the README', () => {
    const keys = Object.keys(envSchema.describe().keys ?? {});
    const root = path.join(__dirname, '../..');
    const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(keys.length).to.be.greaterThan(20);
    expect(
      keys.filter((k) => !new RegExp(`^#? ?${k}=`, 'm').test(example)),
      'missing from .env.example',
    ).to.deep.equal([]);
    expect(
      keys.filter((k) => !readme.includes(`\`${k}\``)),
      'missing from the README',
    ).to.deep.equal([]);
  });
});

describe('configuration: secrets from files (*_FILE)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-secrets-'));
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content, { mode: 0o600 });
    return p;
  };

  it('reads JWT_SECRET_FILE and JWT_REFRESH_SECRET_FILE, dropping the trailing newline', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET_FILE: file('jwt', `${secret('a')}\n`),
      JWT_REFRESH_SECRET_FILE: file('jwt-refresh', secret('b')),
    });
    expect(config.auth.jwtSecret).to.equal(secret('a'));
    expect(config.auth.jwtRefreshSecret).to.equal(secret('b'));
  });

  it('reads a connection URL that carries a password from a file too', () => {
    const url = 'postgres://gema:s3cret@db.internal:5432/gema';
    expect(loadConfig({ DATABASE_URL_FILE: file('db', `${url}\n`) }).db.url).to.equal(url);
  });

  it('validates the content of the file like the variable itself', () => {
    expect(problemWith({ NODE_ENV: 'production', JWT_SECRET_FILE: file('short', 'short\n'), JWT_REFRESH_SECRET: secret('r') })).to.match(
      /^Invalid configuration: JWT_SECRET length must be at least 32 characters long/,
    );
  });

  it('refuses a secret set both directly and as a file', () => {
    expect(problemWith({ AI_API_KEY: 'sk-direct', AI_API_KEY_FILE: file('ai', 'sk-file') })).to.equal(
      'Invalid configuration: AI_API_KEY_FILE and AI_API_KEY are both set; set only one',
    );
  });

  it('names the _FILE variable when its file cannot be read', () => {
    expect(problemWith({ JWT_SECRET_FILE: path.join(dir, 'missing') })).to.match(
      /^Invalid configuration: JWT_SECRET_FILE names a file that cannot be read \(ENOENT/,
    );
  });

  it('takes no _FILE variant for a setting that is not a secret', () => {
    expect(loadConfig({ PORT_FILE: file('port', '9999') }).http.port).to.equal(8080);
  });
});

describe('configuration: one declaration', () => {
  it('maps every declared variable into the typed configuration', () => {
    const config = loadConfig({ WORKER_HTTP_PORT: '9090', SHUTDOWN_TIMEOUT_MS: '20000', MAIL_DIR: 'var/elsewhere' });
    expect(config.worker.httpPort).to.equal(9090);
    expect(config.shutdown.timeoutMs).to.equal(20_000);
    expect(config.mail.dir).to.equal(path.join(config.rootDir, 'var', 'elsewhere'));
    expect(config.auth.issuer).to.equal('gema-api');
  });

  it('leaves the worker without an HTTP port unless WORKER_HTTP_PORT is set', () => {
    expect(loadConfig({}).worker.httpPort).to.equal(undefined);
  });
});
