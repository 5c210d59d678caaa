import { expect } from 'chai';
import fs from 'node:fs';
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
    expect(config.worker.queues).to.deep.equal(['grading', 'ai-evaluation', 'email', 'file-processing', 'site']);
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
    expect(keys.filter((k) => !new RegExp(`^#? ?${k}=`, 'm').test(example)), 'missing from .env.example').to.deep.equal([]);
    expect(keys.filter((k) => !readme.includes(`\`${k}\``)), 'missing from the README').to.deep.equal([]);
  });
});
