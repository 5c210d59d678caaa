import path from 'node:path';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { expect } from 'chai';
import { runProcess, ShutdownHooks } from '../../common/runtime';
import { createLogger } from '../../common/logger';
import { testConfig } from '../support/deps';
import { TEST_ENV } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const silent = createLogger({ log: { level: 'silent', format: 'json' } }, 'test');

/** A runtime that hears signals from `proc` and records its exit code instead of exiting. */
function harness(overrides: Record<string, string> = {}) {
  const proc = new EventEmitter();
  const exits: number[] = [];
  let exited!: (code: number) => void;
  const exitedOnce = new Promise<number>((resolve) => (exited = resolve));
  const options = {
    config: testConfig(overrides),
    logger: silent,
    proc,
    exit: (code: number) => {
      exits.push(code);
      exited(code);
    },
  };
  return { proc, exits, exitedOnce, options };
}

describe('process runtime', () => {
  it('runs the shutdown hooks phase by phase: stop intake, then drain, then close pools', async () => {
    const { proc, exitedOnce, options } = harness();
    const order: string[] = [];
    await runProcess(
      'test',
      async ({ onShutdown }) => {
        // registered in the reverse order on purpose: the phase decides, not the registration
        onShutdown('close-pools', 'postgres', async () => void order.push('close postgres'));
        onShutdown('drain', 'jobs', async () => {
          await new Promise((r) => setTimeout(r, 20));
          order.push('drain jobs');
        });
        onShutdown('stop-intake', 'listener', () => void order.push('stop listener'));
      },
      options,
    );
    proc.emit('SIGTERM');
    expect(await exitedOnce).to.equal(0);
    expect(order).to.deep.equal(['stop listener', 'drain jobs', 'close postgres']);
  });

  it('still closes the pools when a hook before them fails', async () => {
    const { proc, exitedOnce, options } = harness();
    const order: string[] = [];
    await runProcess(
      'test',
      async ({ onShutdown }) => {
        onShutdown('drain', 'jobs', () => Promise.reject(new Error('redis went away')));
        onShutdown('close-pools', 'postgres', () => void order.push('close postgres'));
      },
      options,
    );
    proc.emit('SIGINT');
    expect(await exitedOnce).to.equal(0);
    expect(order).to.deep.equal(['close postgres']);
  });

  it('stops once however many signals arrive', async () => {
    const { proc, exits, options } = harness();
    let stops = 0;
    const running = await runProcess('test', async ({ onShutdown }) => onShutdown('close-pools', 'count', () => void stops++), options);
    proc.emit('SIGTERM');
    await running.stop('again');
    expect(stops).to.equal(1);
    expect(exits).to.deep.equal([0]);
  });

  it('says whether the drain finished or was cut at the deadline', async () => {
    const hooks = new ShutdownHooks();
    hooks.add('drain', 'quick', async () => 'drained' as const);
    expect(await hooks.run(silent, 1000)).to.equal('drained');
    hooks.add('drain', 'slow', async () => 'forced' as const);
    expect(await hooks.run(silent, 1000)).to.equal('forced');
  });

  it('gives each drain hook the SHUTDOWN_TIMEOUT_MS deadline', async () => {
    const { proc, exitedOnce, options } = harness({ SHUTDOWN_TIMEOUT_MS: '4321' });
    let given = 0;
    await runProcess('test', async ({ onShutdown }) => onShutdown('drain', 'jobs', (deadlineMs) => void (given = deadlineMs)), options);
    proc.emit('SIGTERM');
    await exitedOnce;
    expect(given).to.equal(4321);
  });

  it('treats an unhandled rejection as fatal: it stops the process with exit code 1', async () => {
    const { proc, exitedOnce, options } = harness();
    let closed = false;
    await runProcess('test', async ({ onShutdown }) => onShutdown('close-pools', 'pools', () => void (closed = true)), options);
    proc.emit('unhandledRejection', new Error('nobody awaited this'));
    expect(await exitedOnce).to.equal(1);
    expect(closed).to.equal(true);
  });

  it('treats an uncaught exception as fatal: it stops the process with exit code 1', async () => {
    const { proc, exitedOnce, options } = harness();
    await runProcess('test', async () => undefined, options);
    proc.emit('uncaughtException', new Error('thrown from a timer'));
    expect(await exitedOnce).to.equal(1);
  });

  it('reports it is stopping from the first signal on, so readiness can answer 503 during the drain', async () => {
    const { proc, exitedOnce, options } = harness();
    const seen: boolean[] = [];
    await runProcess(
      'test',
      async ({ onShutdown, isStopping }) => {
        seen.push(isStopping());
        onShutdown('drain', 'look', () => void seen.push(isStopping()));
      },
      options,
    );
    proc.emit('SIGTERM');
    await exitedOnce;
    expect(seen).to.deep.equal([false, true]);
  });

  it('closes what a failed start opened and exits with code 1', async () => {
    const { exitedOnce, options } = harness();
    let closed = false;
    const started = runProcess(
      'test',
      async ({ onShutdown }) => {
        onShutdown('close-pools', 'pools', () => void (closed = true));
        throw new Error('PostgreSQL is not reachable');
      },
      options,
    );
    await started.then(
      () => expect.fail('the start should fail'),
      (err: Error) => expect(err.message).to.equal('PostgreSQL is not reachable'),
    );
    expect(await exitedOnce).to.equal(1);
    expect(closed).to.equal(true);
  });

  it('exits anyway when a hook hangs past the deadline', async () => {
    const { proc, exitedOnce, options } = harness({ SHUTDOWN_TIMEOUT_MS: '1000' });
    await runProcess('test', async ({ onShutdown }) => onShutdown('close-pools', 'stuck', () => new Promise(() => undefined)), {
      ...options,
      forceExitGraceMs: 0,
    });
    proc.emit('SIGTERM');
    expect(await exitedOnce).to.equal(1);
  });

  for (const kind of ['rejection', 'exception']) {
    it(`a real process logs an unhandled ${kind} as fatal, closes its pools and exits 1`, async function () {
      this.timeout(30_000);
      const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'fixtures', 'fatal-process.ts'), kind], {
        env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: Array<{ message?: string; error?: string; level?: string }> = [];
      for (const stream of [child.stdout, child.stderr]) {
        readline.createInterface({ input: stream }).on('line', (raw) => {
          try {
            lines.push(JSON.parse(raw));
          } catch {
            lines.push({ message: raw });
          }
        });
      }
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      await new Promise((r) => setImmediate(r));
      expect(code).to.equal(1);
      const fatal = lines.find((l) => l.message?.startsWith('fixture fatal'));
      expect(fatal?.level).to.equal('error');
      expect(fatal?.error).to.equal(kind === 'rejection' ? 'nobody awaited this' : 'thrown from a timer');
      expect(lines.map((l) => l.message)).to.include('pools closed');
    });
  }
});
