import path from 'node:path';
import { expect } from 'chai';
import { loadConfig, ConfigError } from '../../common/config';

/**
 * How each kind of setting is read from the text of the environment, at the level of loadConfig(env)
 * (refusals of secrets and the documentation check live in config.test.ts).
 */
function problemWith(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration values', () => {
  describe('switches', () => {
    it('reads true and false in any case', () => {
      const config = loadConfig({ DATABASE_SSL: 'TRUE', RATE_LIMIT_ENABLED: 'false', METRICS_ENABLED: 'False' });
      expect(config.db.ssl).to.equal(true);
      expect(config.rateLimit.enabled).to.equal(false);
      expect(config.metricsEnabled).to.equal(false);
    });

    it('refuses a switch that is neither true nor false, naming it', () => {
      expect(problemWith({ DATABASE_SSL: 'yes' })).to.equal('Invalid configuration: DATABASE_SSL must be a boolean');
    });
  });

  describe('numbers', () => {
    it('reads a number from its text', () => {
      expect(loadConfig({ DATABASE_POOL_MAX: '25' }).db.poolMax).to.equal(25);
    });

    it('refuses a number above its ceiling, saying the ceiling', () => {
      expect(problemWith({ DATABASE_POOL_MAX: '500' })).to.equal('Invalid configuration: DATABASE_POOL_MAX must be less than or equal to 200');
    });

    it('refuses a fraction where a whole number is meant', () => {
      expect(problemWith({ BCRYPT_COST: '10.5' })).to.equal('Invalid configuration: BCRYPT_COST must be an integer');
    });

    it('gives each queue its own concurrency, defaults for the rest', () => {
      const { concurrency } = loadConfig({ WORKER_CONCURRENCY_AI_EVALUATION: '7' }).worker;
      expect(concurrency).to.deep.equal({
        grading: 2,
        'ai-evaluation': 7,
        email: 5,
        'file-processing': 2,
        notifications: 2,
        'student-import': 1,
        site: 2,
        'web-checks': 1,
        'legacy-import': 1,
      });
    });
  });

  describe('addresses', () => {
    it('accepts a TLS Redis URL', () => {
      expect(loadConfig({ REDIS_URL: 'rediss://cache.internal:6380/1' }).redis.url).to.equal('rediss://cache.internal:6380/1');
    });

    it('refuses a Redis URL of another scheme', () => {
      expect(problemWith({ REDIS_URL: 'http://127.0.0.1:6379' })).to.match(/^Invalid configuration: REDIS_URL must be a valid uri/);
    });

    it('names a CORS origin that is not an http(s) URL', () => {
      expect(problemWith({ CORS_ORIGINS: 'https://gema.sch.id, ftp://files.gema.sch.id' })).to.match(/^Invalid configuration: CORS_ORIGINS /);
    });

    it('trims the entries of a list and drops empty ones', () => {
      expect(loadConfig({ CORS_ORIGINS: ' https://a.sch.id , ,https://b.sch.id ' }).http.corsOrigins).to.deep.equal([
        'https://a.sch.id',
        'https://b.sch.id',
      ]);
    });
  });

  describe('directories', () => {
    it('resolves a relative upload or mail directory against the project, not the working directory', () => {
      const config = loadConfig({ UPLOAD_DIR: 'data/uploads', MAIL_DIR: 'data/mail' });
      expect(config.uploads.dir).to.equal(path.join(config.rootDir, 'data', 'uploads'));
      expect(config.mail.dir).to.equal(path.join(config.rootDir, 'data', 'mail'));
    });

    it('keeps an absolute directory as it is', () => {
      expect(loadConfig({ UPLOAD_DIR: '/srv/gema/uploads' }).uploads.dir).to.equal('/srv/gema/uploads');
    });
  });

  describe('logs', () => {
    it('is silent under test and says info otherwise, unless told', () => {
      expect(loadConfig({ NODE_ENV: 'test' }).log.level).to.equal('silent');
      expect(loadConfig({ NODE_ENV: 'development' }).log.level).to.equal('info');
      expect(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }).log.level).to.equal('debug');
    });

    it('refuses a log level it does not know', () => {
      expect(problemWith({ LOG_LEVEL: 'verbose' })).to.match(/^Invalid configuration: LOG_LEVEL must be one of/);
    });
  });

  describe('proxies', () => {
    it('reads TRUST_PROXY as a hop count', () => {
      expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).to.equal(2);
    });

    it('reads TRUST_PROXY as a list of addresses, CIDRs and named ranges', () => {
      expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, 192.168.1.7, fd00::/8, 172.16.0.0/255.240.0.0' }).http.trustProxy).to.deep.equal([
        'loopback',
        '10.0.0.0/8',
        '192.168.1.7',
        'fd00::/8',
        '172.16.0.0/255.240.0.0',
      ]);
    });

    it('trusts no proxy by default, and reads false as no proxy', () => {
      expect(loadConfig({}).http.trustProxy).to.equal(0);
      expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).to.equal(0);
    });

    it('refuses TRUST_PROXY=true, in every environment, saying what to set instead', () => {
      expect(problemWith({ TRUST_PROXY: 'true' })).to.match(/^Invalid configuration: TRUST_PROXY must be a hop count .* not true/);
      expect(problemWith({ TRUST_PROXY: 'true', NODE_ENV: 'development' })).to.match(/TRUST_PROXY/);
    });

    it('refuses a hop count above 100, and one too long to be a number', () => {
      expect(problemWith({ TRUST_PROXY: '101' })).to.match(/TRUST_PROXY as a hop count must be a whole number from 0 to 100/);
      expect(problemWith({ TRUST_PROXY: '9'.repeat(20) })).to.match(/TRUST_PROXY as a hop count must be a whole number from 0 to 100/);
    });

    it('reads a TRUST_PROXY of spaces as no proxy', () => {
      expect(loadConfig({ TRUST_PROXY: '   ' }).http.trustProxy).to.equal(0);
    });

    it('refuses a TRUST_PROXY list naming something that is no address', () => {
      expect(problemWith({ TRUST_PROXY: '10.0.0.0/8, everyone' })).to.match(/TRUST_PROXY names "everyone"/);
      expect(problemWith({ TRUST_PROXY: '10.0.0.0/33' })).to.match(/TRUST_PROXY names "10.0.0.0\/33"/);
    });
  });

  it('ignores variables it does not read, as any process environment holds many', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/home/ayu', SOMETHING_ELSE: '1' })).not.to.throw();
  });
});
