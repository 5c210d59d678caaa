import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { expect } from 'chai';
import { dropDatabase, ensureDatabase } from '../../common/db/database';
import { START_GATE_ENV, type ApiMessage, type SupervisorMessage } from '../../common/runtime/start-gate';
import { TEST_ENV } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');

interface LogLine {
  message?: string;
}

/** The API as `npm start` runs it: an IPC channel and START_GATE_ENV, JSON logs with every SQL statement. */
function gatedApi(env: Record<string, string> = {}) {
  // node itself with tsx's loader, as npm start spawns it from the sources: the tsx command would sit
  // between the two ends of the channel
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'api/server.ts')], {
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'debug', LOG_FORMAT: 'json', DATABASE_LOG_SQL: 'true', PORT: '0', [START_GATE_ENV]: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: LogLine[] = [];
  const waiters: { message: string; resolve: () => void }[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (raw) => {
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { message: raw };
      }
      lines.push(line);
      for (const w of waiters.filter((x) => x.message === line.message)) w.resolve();
    });
  }
  const logged = (message: string) =>
    new Promise<void>((resolve, reject) => {
      if (lines.some((l) => l.message === message)) return resolve();
      waiters.push({ message, resolve });
      child.once('exit', (code) => reject(new Error(`the API exited (${code}) before "${message}": ${JSON.stringify(lines)}`)));
    });
  const told = new Promise<ApiMessage>((resolve) => child.on('message', (m: ApiMessage) => resolve(m)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, logged, told, exited };
}

const WAITING = 'waiting for npm start: the schema may not be current yet';
const stop = (child: ChildProcess) => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM');

/** How `npm start` runs the API while the database may still be migrating (common/runtime/start-gate.ts). */
describe("the API under npm start's gate", function () {
  this.timeout(60_000);

  it('asks PostgreSQL nothing and does not listen until told the schema is current, then listens and says on which port', async () => {
    const api = gatedApi();
    try {
      await api.logged(WAITING);
      // time enough for anything started while building the app to reach the database
      await new Promise((r) => setTimeout(r, 500));
      expect(api.lines.filter((l) => /\b(SELECT|INSERT|UPDATE|DELETE)\b/.test(l.message ?? ''))).to.deep.equal([]);
      expect(api.lines.map((l) => l.message)).not.to.include('api listening');

      const open: SupervisorMessage = { step: 'schema-current' };
      api.child.send(open);
      const told = await api.told;
      expect(told.step).to.equal('listening');
      expect((await fetch(`http://127.0.0.1:${told.port}/ready`)).status).to.equal(200);
    } finally {
      stop(api.child);
    }
  });

  it('builds its app while the database does not exist yet, and starts once it does', async () => {
    const url = `${TEST_ENV.DATABASE_URL}_gate_new`;
    const api = gatedApi({ DATABASE_URL: url });
    try {
      await api.logged(WAITING);
      await ensureDatabase(url);
      api.child.send({ step: 'schema-current' } satisfies SupervisorMessage);
      expect((await api.told).step).to.equal('listening');
    } finally {
      stop(api.child);
      await api.exited;
      await dropDatabase(url);
    }
  });

  it('stops with exit code 1 when npm start goes away before opening the gate', async () => {
    const api = gatedApi();
    try {
      await api.logged(WAITING);
      api.child.disconnect();
      expect(await api.exited).to.equal(1);
      expect(api.lines.map((l) => l.message)).to.include('api failed to start');
    } finally {
      stop(api.child);
    }
  });
});
