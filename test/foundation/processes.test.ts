import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { expect } from 'chai';
import { Sequelize } from 'sequelize';
import { TEST_ENV } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface LogLine {
  message?: string;
  port?: number;
  outcome?: string;
  queues?: string[];
  httpPort?: number;
}

/** Starts an entry point as its own process, as the Procfile does, with JSON logs we can read. */
function startProcess(entry: string, env: Record<string, string> = {}) {
  const child = spawn(TSX, [path.join(ROOT, entry)], {
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', LOG_FORMAT: 'json', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (raw) => {
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { message: raw };
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.match(line)) w.resolve(line);
    });
  }
  const waitFor = (message: string) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = lines.find((l) => l.message === message);
      if (seen) return resolve(seen);
      waiters.push({ match: (l) => l.message === message, resolve });
      child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before "${message}": ${JSON.stringify(lines)}`)));
    });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, waitFor, exited, lines };
}

const stop = (child: ChildProcess) => child.exitCode === null && child.kill('SIGTERM');

describe('processes', function () {
  this.timeout(60_000);

  it('the web process listens, answers /ready, and exits cleanly on SIGTERM', async () => {
    const api = startProcess('api/server.ts');
    try {
      const { port } = await api.waitFor('api listening');
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(res.status).to.equal(200);
      api.child.kill('SIGTERM');
      expect(await api.exited).to.equal(0);
      expect((await api.waitFor('api stopped')).outcome).to.equal('drained');
    } finally {
      stop(api.child);
    }
  });

  it('the worker process consumes only the queues named in WORKER_QUEUES and exits cleanly on SIGTERM', async () => {
    const worker = startProcess('worker/main.ts', { WORKER_QUEUES: 'email' });
    try {
      const started = await worker.waitFor('worker started');
      expect(started.queues?.every((q) => q === 'email')).to.equal(true);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).to.equal(0);
    } finally {
      stop(worker.child);
    }
  });

  it('the worker process answers /ready and /metrics on WORKER_HTTP_PORT, and exits cleanly on SIGTERM', async () => {
    const worker = startProcess('worker/main.ts', { WORKER_QUEUES: 'email', WORKER_HTTP_PORT: '0' });
    try {
      const { httpPort } = await worker.waitFor('worker started');
      const ready = await fetch(`http://127.0.0.1:${httpPort}/ready`);
      expect(ready.status).to.equal(200);
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      expect(metrics).to.include('worker_job_duration_seconds');
      expect(metrics).to.include('process_resident_memory_bytes');
      worker.child.kill('SIGTERM');
      expect(await worker.exited).to.equal(0);
      expect((await worker.waitFor('worker stopped')).outcome).to.equal('drained');
    } finally {
      stop(worker.child);
    }
  });

  it('a bad setting stops start-up with one line naming it', async () => {
    const api = startProcess('api/server.ts', { PORT: 'eighty' });
    expect(await api.exited).to.equal(78);
    expect(api.lines.map((l) => l.message)).to.include('Invalid configuration: PORT must be a number');
  });

  it('npm start with a bad setting names it in one line and exits 78, the API it had begun loading stopped', async () => {
    const start = startProcess('scripts/start.ts', { PORT: 'eighty' });
    expect(await start.exited).to.equal(78);
    expect(start.lines.map((l) => l.message)).to.deep.equal(['Invalid configuration: PORT must be a number']);
  });

  it('npm start says in one line that PostgreSQL is unreachable, with the URL it tried and how to start one', async () => {
    const start = startProcess('scripts/start.ts', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/gema' });
    expect(await start.exited).to.equal(1);
    expect(start.lines.map((l) => l.message)).to.deep.equal([
      'PostgreSQL is not reachable at postgres://postgres@127.0.0.1:1/gema (connect ECONNREFUSED 127.0.0.1:1). Start one with: docker compose up -d postgres redis',
    ]);
  });

  it('npm start creates a database that does not exist yet and says so before checking Redis', async () => {
    const base = new URL(TEST_ENV.DATABASE_URL!);
    const name = `${base.pathname.slice(1)}_start`;
    base.pathname = `/${name}`;
    const start = startProcess('scripts/start.ts', { DATABASE_URL: base.toString(), REDIS_URL: 'redis://127.0.0.1:1/0' });
    try {
      expect(await start.exited).to.equal(1);
      expect(start.lines.map((l) => l.message)[0]).to.equal(`Created database ${name}.`);
    } finally {
      base.pathname = '/postgres';
      const admin = new Sequelize(base.toString(), { logging: false });
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      await admin.close();
    }
  });

  it('npm start names PostgreSQL alone when neither it nor Redis is reachable (it asks both at once)', async () => {
    const start = startProcess('scripts/start.ts', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/gema', REDIS_URL: 'redis://127.0.0.1:1/0' });
    expect(await start.exited).to.equal(1);
    expect(start.lines.map((l) => l.message)).to.deep.equal([
      'PostgreSQL is not reachable at postgres://postgres@127.0.0.1:1/gema (connect ECONNREFUSED 127.0.0.1:1). Start one with: docker compose up -d postgres redis',
    ]);
  });

  it('npm start says in one line that Redis is unreachable', async () => {
    const start = startProcess('scripts/start.ts', { REDIS_URL: 'redis://127.0.0.1:1/0' });
    expect(await start.exited).to.equal(1);
    expect(start.lines.map((l) => l.message)).to.deep.equal([
      'Redis is not reachable at redis://127.0.0.1:1/0 (connect ECONNREFUSED 127.0.0.1:1). Start one with: docker compose up -d postgres redis',
    ]);
  });
});
