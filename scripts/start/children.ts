import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { HEAP_FLAGS } from '../../common/runtime/heap-flags';
import { START_GATE_ENV } from '../../common/runtime/start-gate';

/** `npm start`'s children, the API and the worker: how they are spawned, relayed and stopped. */
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Node's compile cache for the API and the worker: the second start compiles none of their ~1,600 modules. */
export function compileCacheDir(): string {
  return process.env.NODE_COMPILE_CACHE || path.join(os.tmpdir(), `gema-compile-cache-${os.userInfo().uid}`);
}

/** Started from the sources (tsx, as the specs do) rather than from dist/. */
const fromSources = path.extname(__filename) === '.ts';

/**
 * The API or the worker as a child with its output prefixed in this terminal. `gated`: with an IPC
 * channel and START_GATE_ENV, so the API waits for `schema-current` and says when it listens.
 */
function run(name: string, script: string, relay: () => boolean, gated = false): ChildProcess {
  const file = path.join(__dirname, '..', '..', `${script}${path.extname(__filename)}`);
  // under tsx the child needs its loader too; a built start hands none of its own flags on
  const execArgv = fromSources ? process.execArgv : [];
  const child = spawn(process.execPath, [...execArgv, ...HEAP_FLAGS, file], {
    stdio: gated ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_COMPILE_CACHE: compileCacheDir(), ...(gated ? { [START_GATE_ENV]: '1' } : {}) },
  });
  const prefix = name === 'api' ? '\x1b[36m[api]\x1b[0m    ' : '\x1b[35m[worker]\x1b[0m ';
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on('line', (line) => relay() && process.stdout.write(`${prefix}${line}\n`));
  }
  return child;
}

/** Still running: a child ended by a signal has a null exitCode too, and its signalCode set. */
export const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** The API and the worker: Ctrl-C, or either one ending, stops both. */
export class Children {
  private readonly list: ChildProcess[] = [];
  stopping = false;
  /** their lines are relayed until a failed start is reported: its one line stays the last */
  private relaying = true;

  start(name: string, script: string, gated = false): ChildProcess {
    const child = run(name, script, () => this.relaying, gated);
    this.list.push(child);
    child.on('exit', (code) => {
      if (!this.stopping) {
        say(`A process exited (code ${code}); stopping the other.`);
        this.stopAll();
        process.exitCode = code || 1;
      }
    });
    return child;
  }

  stopAll(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const c of this.list) if (running(c)) c.kill('SIGTERM');
  }

  /** After a failed start: stops them without a word and waits (a few seconds at most) until they have. */
  async abandon(): Promise<void> {
    this.relaying = false;
    const exited = this.list.filter(running).map((c) => new Promise((resolve) => c.once('exit', resolve)));
    this.stopAll();
    await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}
