import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildRequest, ChildResponse } from './protocol';
import type { CgroupManager, RunGroup } from '../cgroup';

type Request = ChildRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id' | 'close'> : never) : never;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the last lines the child wrote to stderr (V8 prints its fatal OOM there) */
  stderrTail: string;
  /** the child's control group saw an out-of-memory kill */
  outOfMemory: boolean;
}

/** A request whose child died before answering; the caller turns it into a verdict. */
export class ChildDiedError extends Error {
  constructor(readonly exit: ChildExit) {
    super(`runner child exited (${exit.signal ?? `code ${exit.code}`})`);
    this.name = 'ChildDiedError';
  }
}

/** The child is stuck beyond any budget (e.g. inside a host callback): it was killed. */
export class ChildTimeoutError extends Error {
  constructor() {
    super('runner child did not answer in time and was killed');
    this.name = 'ChildTimeoutError';
  }
}

interface Slot {
  child: ChildProcess;
  group?: RunGroup;
  busy: boolean;
  uses: number;
  /** the sessions (prepared programs) this child last worked on, so their next run comes here */
  sessions: Set<number>;
  /** sessions disposed since the last request, freed by the child when the next one arrives */
  closing: number[];
  stderrTail: string;
  pending?: {
    id: number;
    resolve: (msg: ChildResponse) => void;
    reject: (err: Error) => void;
    timer: NodeJS.Timeout;
    /** a batch's results sent before its answer; each one restarts the deadline */
    onProgress?: (msg: Extract<ChildResponse, { kind: 'progress' }>) => void;
  };
}

interface Waiter {
  resolve: (slot: Slot) => void;
  reject: (err: Error) => void;
}

/**
 * After this many programs (each a syntax check and its tests' runs, ~6 isolate contexts for a
 * 5-test task) a child is replaced, so leaks in V8 or the addon cannot accumulate.
 */
const MAX_USES = 500;

/**
 * The child script beside this file: `child.js` when running from `dist/`, `child.ts` under tsx
 * (tests, dev). Mocha loads tsx through `--require` in its own config, not through execArgv, so the
 * .ts child gets tsx's CommonJS hook explicitly.
 */
function childEntry(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, 'child.js');
  // isolated-vm requires this flag on Node ≥ 20
  const base = ['--no-node-snapshot'];
  if (fs.existsSync(js)) return { file: js, execArgv: base };
  return { file: path.join(__dirname, 'child.ts'), execArgv: [...base, '--require', require.resolve('tsx/cjs')] };
}

/** Memory of one runner child's control group: Node and V8 (~60 MB) plus the largest task limit (1 GB), with room. */
export const CHILD_MEMORY_MB = 1280;
const CHILD_PIDS = 64;

export interface PoolOptions {
  /** each child gets a control group with CHILD_MEMORY_MB before it is sent any program */
  cgroups?: CgroupManager;
  /** the unprivileged user the children run as (when the worker is root) */
  runAs?: { uid: number; gid: number };
}

let childCounter = 0;

/**
 * A fixed-size pool of runner children, started lazily and replaced when one dies. A child drops to
 * an unprivileged user once its own code is loaded and before it reads a request (child.ts), and is
 * put in a control group of its own right after the fork, before any request (so any untrusted code)
 * reaches it: a V8 out-of-memory or bug costs at most its group's memory, never the worker's.
 */
export class IsolatePool {
  private readonly slots: Slot[] = [];
  private readonly waiters: Waiter[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly options: PoolOptions = {},
  ) {}

  /**
   * Sends a request to a free child, preferring the one that holds the request's session (it has
   * the program compiled); rejects with ChildDiedError / ChildTimeoutError.
   */
  async request(req: Request, deadlineMs: number, onProgress?: (msg: Extract<ChildResponse, { kind: 'progress' }>) => void): Promise<ChildResponse> {
    const slot = await this.acquire(req.session);
    try {
      // another child that held it (busy when this request came) frees its copy with its next request
      for (const other of this.slots) if (other !== slot && other.sessions.delete(req.session)) other.closing.push(req.session);
      slot.sessions.add(req.session);
      return await this.send(slot, req, deadlineMs, onProgress);
    } finally {
      // a program is one use, counted where it is opened (on its own or with its batch)
      this.release(slot, req.kind === 'open' || (req.kind === 'batch' && req.open) ? 1 : 0);
    }
  }

  /** Starts every child now (the worker at start), so the first burst of work does not pay for it. */
  warm(): void {
    if (this.closed) return;
    try {
      while (this.slots.length < this.size) this.spawn();
    } catch {
      // a child that cannot start now is started (and its error reported) on the first request
    }
  }

  /**
   * Frees a session in the child that holds it, with that child's next request: no message of its
   * own (until then the child keeps at most two sessions; a dead child holds nothing).
   */
  closeSession(session: number): void {
    for (const slot of this.slots) if (slot.sessions.delete(session)) slot.closing.push(session);
  }

  /** the control-group directories of the live children's groups (operations and tests) */
  childGroups(): string[][] {
    return this.slots.map((s) => [...(s.group?.procsFiles ?? [])]);
  }

  /** pids of the live children (operations and tests) */
  childPids(): number[] {
    return this.slots.map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('isolate pool closed'));
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        await killAndWait(slot.child);
        await slot.group?.destroy().catch(() => undefined);
      }),
    );
  }

  private acquire(session: number): Promise<Slot> {
    if (this.closed) return Promise.reject(new Error('isolate pool closed'));
    const free = this.slots.find((s) => !s.busy && s.sessions.has(session)) ?? this.slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (this.slots.length < this.size) {
      const slot = this.spawn();
      slot.busy = true;
      return Promise.resolve(slot);
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(slot: Slot, uses: number): void {
    slot.busy = false;
    slot.uses += uses;
    if (slot.uses >= MAX_USES || slot.child.exitCode !== null || slot.child.signalCode !== null) {
      this.remove(slot);
      void killAndWait(slot.child);
    }
    const waiter = this.waiters.shift();
    if (!waiter) return;
    // hand over a live child, or a fresh one in place of the one just removed
    let next: Slot | undefined;
    try {
      next = this.slots.find((s) => !s.busy) ?? (this.slots.length < this.size ? this.spawn() : undefined);
    } catch (err) {
      waiter.reject(err as Error);
      return;
    }
    if (!next) {
      this.waiters.unshift(waiter);
      return;
    }
    next.busy = true;
    waiter.resolve(next);
  }

  private spawn(): Slot {
    const entry = childEntry();
    const runAs = this.options.runAs;
    const child = fork(entry.file, [], {
      execArgv: entry.execArgv,
      // the child needs nothing from the worker's environment (no secrets in the sandbox host)
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_ENV: process.env.NODE_ENV ?? 'production',
        // Node hands a worker's NODE_V8_COVERAGE to every child unless the env names it: a runner child
        // would then write coverage files (as the unprivileged user, into the worker's directory) on exit
        NODE_V8_COVERAGE: '',
        // the child drops to this user itself once its code is loaded (child.ts, dropPrivileges)
        ...(runAs ? { GEMA_RUNNER_UID: String(runAs.uid), GEMA_RUNNER_GID: String(runAs.gid) } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const slot: Slot = { child, busy: false, uses: 0, stderrTail: '', sessions: new Set(), closing: [] };
    if (this.options.cgroups && child.pid !== undefined) {
      try {
        slot.group = this.options.cgroups.createRun(`js-${++childCounter}`, { memoryBytes: CHILD_MEMORY_MB * 1024 * 1024, pids: CHILD_PIDS });
        slot.group.adopt(child.pid);
      } catch (err) {
        // never hand a program to a child outside its group
        child.kill('SIGKILL');
        throw new Error(`cannot put the runner child in a control group: ${(err as Error).message}`, { cause: err });
      }
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      slot.stderrTail = (slot.stderrTail + text).slice(-4096);
    });
    child.on('message', (msg: ChildResponse) => {
      const pending = slot.pending;
      if (!pending || pending.id !== msg.id) return;
      if (msg.kind === 'progress') {
        // the deadline is per run: a batch that reports progress is alive
        pending.timer.refresh();
        pending.onProgress?.(msg);
        return;
      }
      clearTimeout(pending.timer);
      slot.pending = undefined;
      pending.resolve(msg);
    });
    child.on('exit', (code, signal) => {
      this.remove(slot);
      const outOfMemory = (slot.group?.usage().ooms ?? 0) > 0;
      void slot.group?.destroy().catch(() => undefined);
      const pending = slot.pending;
      if (pending) {
        clearTimeout(pending.timer);
        slot.pending = undefined;
        // stderr may still be flushing: give it a tick so the OOM message is in the tail
        setImmediate(() => pending.reject(new ChildDiedError({ code, signal, stderrTail: slot.stderrTail, outOfMemory })));
      }
    });
    child.on('error', () => {
      // reported through 'exit'; an error without exit (failed send) is handled by the deadline
    });
    this.slots.push(slot);
    return slot;
  }

  private send(
    slot: Slot,
    req: Request,
    deadlineMs: number,
    onProgress?: (msg: Extract<ChildResponse, { kind: 'progress' }>) => void,
  ): Promise<ChildResponse> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.pending = undefined;
        this.remove(slot);
        slot.child.kill('SIGKILL');
        reject(new ChildTimeoutError());
      }, deadlineMs);
      slot.pending = { id, resolve, reject, timer, onProgress };
      const close = slot.closing.splice(0);
      slot.child.send({ ...req, id, ...(close.length ? { close } : {}) } as ChildRequest);
    });
  }

  private remove(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
