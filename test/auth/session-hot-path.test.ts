import { expect } from 'chai';
import request from 'supertest';
import { Redis } from 'ioredis';
import { app, apiDeps } from '../support/deps';
import { bearer, createUser } from '../support/factories';
import { TEST_ENV } from '../support/env';
import { User } from '../../common/models';

/**
 * Runs `work` and returns every SQL statement issued meanwhile. Watches the app's own Sequelize and
 * the one the models are bound to (the last deps made in this process bind them), so no path is missed.
 */
async function sqlDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const instances = [...new Set([apiDeps().sequelize, User.sequelize!])];
  const hook = (options: { sql?: string } | undefined) => void seen.push(String(options?.sql ?? '?'));
  for (const s of instances) s.addHook('beforeQuery', 'spy', hook as never);
  try {
    await work();
  } finally {
    for (const s of instances) s.removeHook('beforeQuery', 'spy');
  }
  return seen;
}

/** Every Redis command touching the auth deny list while `work` runs, seen through MONITOR. */
async function denyListCommandsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const monitor = await new Redis(TEST_ENV.REDIS_URL!).monitor();
  const marker = `end-of-work-${Date.now()}`;
  const seen: string[] = [];
  const done = new Promise<void>((resolve) => {
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[1] === marker) resolve();
      else if (args.some((a) => a.startsWith(`${TEST_ENV.REDIS_PREFIX}auth:deny:`))) seen.push(args.join(' '));
    });
  });
  try {
    await work();
    await apiDeps().redis.echo(marker);
    await done;
  } finally {
    monitor.disconnect();
  }
  return seen;
}

/** What the app's Redis client wrote to its socket while `work` ran, one string per write. */
async function redisWritesDuring(work: () => Promise<unknown>): Promise<string[]> {
  const stream = (apiDeps().redis as unknown as { stream: { write: (chunk: unknown, ...rest: unknown[]) => boolean } }).stream;
  const original = stream.write;
  const writes: string[] = [];
  stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    writes.push(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk));
    return original.call(this, chunk, ...rest);
  };
  try {
    await work();
  } finally {
    stream.write = original;
  }
  return writes;
}

describe('GET /auth/session, the hottest route', () => {
  it('answers without a single database query', async () => {
    const user = await createUser();
    const headers = bearer(user);
    const sql = await sqlDuring(() => request(app()).get('/api/v2/auth/session').set(headers).expect(200));
    expect(sql).to.deep.equal([]);
  });

  it('makes one Redis lookup of the deny list (both the token and its session in one MGET)', async () => {
    const user = await createUser();
    const headers = bearer(user);
    const commands = await denyListCommandsDuring(() => request(app()).get('/api/v2/auth/session').set(headers).expect(200));
    expect(commands).to.have.length(1);
    expect(commands[0]).to.match(/^mget /i);
  });

  it("sends the rate limiter's count and the deny-list read to Redis in one write", async () => {
    const user = await createUser();
    const headers = bearer(user);
    // the first request loads the limiter's script; the one measured only runs it
    await request(app()).get('/api/v2/auth/session').set(headers).expect(200);
    const writes = await redisWritesDuring(() => request(app()).get('/api/v2/auth/session').set(headers).expect(200));
    const carrying = writes.filter((w) => /EVALSHA|MGET/i.test(w));
    expect(carrying).to.have.length(1);
    expect(carrying[0])
      .to.match(/EVALSHA/i)
      .and.to.match(/MGET/i);
  });

  it('is watched by the spy: a route that does read the database shows up (the control case)', async () => {
    const user = await createUser();
    const headers = bearer(user);
    const sql = await sqlDuring(() => request(app()).get('/api/v2/student/profile').set(headers).expect(200));
    expect(sql.length).to.be.greaterThan(0);
  });
});
