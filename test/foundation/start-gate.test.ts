import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { dropDatabase, ensureDatabase } from '../../common/db/database';
import { START_GATE_ENV, type ApiMessage, type SupervisorMessage } from '../../common/runtime/start-gate';
import { startEntry } from '../support/entry-process';
import { TEST_ENV } from '../support/env';

/** The API as `npm start` runs it: an IPC channel and START_GATE_ENV, JSON logs with every SQL statement. */
function gatedApi(env: Record<string, string> = {}) {
  const api = startEntry('api/server.ts', { LOG_LEVEL: 'debug', DATABASE_LOG_SQL: 'true', [START_GATE_ENV]: '1', ...env }, { ipc: true });
  const told = new Promise<ApiMessage>((resolve) => api.child.on('message', (m: ApiMessage) => resolve(m)));
  return { ...api, told };
}

const WAITING = 'waiting for npm start: the schema may not be current yet';
const stop = (child: ChildProcess) => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM');

/** How `npm start` runs the API while the database may still be migrating (common/runtime/start-gate.ts). */
describe("the API under npm start's gate", function () {
  this.timeout(60_000);

  it('asks PostgreSQL nothing and does not listen until told the schema is current, then listens and says on which port', async () => {
    const api = gatedApi();
    try {
      await api.waitFor(WAITING);
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
      await api.waitFor(WAITING);
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
      await api.waitFor(WAITING);
      api.child.disconnect();
      expect(await api.exited).to.equal(1);
      expect(api.lines.map((l) => l.message)).to.include('api failed to start');
    } finally {
      stop(api.child);
    }
  });
});
