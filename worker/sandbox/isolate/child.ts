/**
 * A runner child: the process where isolates live, so a V8 out-of-memory that isolated-vm's soft
 * limit misses kills this process and not the worker. Forked by `pool.ts`; one request at a time.
 */
import ivm from 'isolated-vm';
import type { Limits, RunResult, RunVerdict } from '../types';
import { OutputCapture, outputCaps } from '../limits';
import type { ChildRequest, ChildResponse } from './protocol';
import { PRELUDE } from './prelude';

/** V8 needs a few MB of its own before the program allocates anything */
const MIN_ISOLATE_MB = 8;
/** how often the CPU time of a running isolate is read, and how far past the limit it may get */
const CPU_POLL_MS = 10;
const CPU_KILL_MARGIN_MS = 50;

function send(msg: ChildResponse): void {
  process.send?.(msg);
}

async function check(files: { name: string; content: string }[]): Promise<{ ok: boolean; output: string; timeMs: number }> {
  const started = process.hrtime.bigint();
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  try {
    for (const file of files) {
      try {
        // compiling parses only; nothing of the program runs here
        const script = await isolate.compileScript(file.content, { filename: file.name });
        script.release();
      } catch (err) {
        return { ok: false, output: describe(err), timeMs: msSince(started) };
      }
    }
    return { ok: true, output: '', timeMs: msSince(started) };
  } finally {
    if (!isolate.isDisposed) isolate.dispose();
  }
}

async function run(files: { name: string; content: string }[], stdin: string, limits: Limits): Promise<RunResult> {
  const caps = outputCaps(limits);
  const output = new OutputCapture(caps);
  const isolate = new ivm.Isolate({ memoryLimit: Math.max(MIN_ISOLATE_MB, limits.memoryMb) });
  let outputLimited = false;
  let failure: unknown;
  let setupDone = false;
  let heapKb = 0;
  const started = process.hrtime.bigint();
  // isolated-vm's timeout is wall-clock: give a loaded machine slack, judge by CPU time below
  const wallBudgetMs = Math.ceil(limits.timeMs * 1.5) + 50;
  // ...and stop the program as soon as its CPU time passes the limit, as bubblewrap's helper does,
  // rather than letting a busy loop run on to the wall-clock budget
  let cpuKilled = false;
  let lastCpuMs = 0;
  const watchdog = setInterval(() => {
    if (isolate.isDisposed) return;
    lastCpuMs = Number(isolate.cpuTime) / 1e6;
    if (lastCpuMs > limits.timeMs + CPU_KILL_MARGIN_MS) {
      cpuKilled = true;
      isolate.dispose();
    }
  }, CPU_POLL_MS);
  try {
    const context = await isolate.createContext();
    const write = new ivm.Callback((stream: unknown, text: unknown) => {
      if (outputLimited) throw new Error('output limit exceeded');
      const chunk = String(text);
      (stream === 2 ? output.stderr : output.stdout).push(chunk);
      if (output.overHardCap) {
        outputLimited = true;
        // the program may catch the error below and keep printing: stop it for good
        setImmediate(() => {
          if (!isolate.isDisposed) isolate.dispose();
        });
        throw new Error('output limit exceeded');
      }
    });
    await context.global.set('__gemaWrite', write);
    await context.global.set('__gemaStdin', stdin, { copy: true });
    await context.global.set('__gemaMaxChunk', caps.hard + 1);
    await context.eval(PRELUDE, { timeout: 1000 });
    setupDone = true;
    // non-entry files first so the entry point can use what they define
    const ordered = files.length > 1 ? [...files.slice(1), files[0]!] : files;
    for (const file of ordered) {
      const remaining = Math.floor(wallBudgetMs - msSince(started));
      if (remaining <= 0) throw new Error('Script execution timed out.');
      const script = await isolate.compileScript(file.content, { filename: file.name });
      await script.run(context, { timeout: remaining });
    }
  } catch (err) {
    // before the program started, a failure is ours, not the student's
    if (!setupDone && !isolate.isDisposed) {
      isolate.dispose();
      throw err;
    }
    failure = err;
  } finally {
    clearInterval(watchdog);
  }
  const wallMs = msSince(started);
  let cpuMs = cpuKilled ? lastCpuMs : wallMs;
  if (!isolate.isDisposed) {
    try {
      cpuMs = Number(isolate.cpuTime) / 1e6;
      const heap = isolate.getHeapStatisticsSync();
      // committed heap only shrinks on a compacting GC, so at the end it approximates the peak
      heapKb = Math.round((heap.total_heap_size + heap.externally_allocated_size) / 1024);
    } catch {
      // disposed meanwhile (memory limit): keep wall time
    }
  }
  const memoryDisposed = isolate.isDisposed && !outputLimited && !cpuKilled;
  if (!isolate.isDisposed) isolate.dispose();

  let verdict: RunVerdict = 'ok';
  let exitCode: number | null = 0;
  if (outputLimited) verdict = 'output_limit';
  else if (cpuKilled) verdict = 'time_limit';
  else if (failure !== undefined) {
    const message = describe(failure);
    if (memoryDisposed || /memory limit|Array buffer allocation failed/i.test(message)) verdict = 'memory_limit';
    else if (/Script execution timed out/.test(message)) verdict = 'time_limit';
    else {
      verdict = 'runtime_error';
      output.stderr.push(`Uncaught ${message}\n`);
    }
  } else if (cpuMs > limits.timeMs) verdict = 'time_limit';
  if (verdict !== 'ok') exitCode = verdict === 'runtime_error' ? 1 : null;
  if (verdict === 'memory_limit') heapKb = Math.max(heapKb, limits.memoryMb * 1024);

  return {
    verdict,
    ...output.fields(),
    exitCode,
    signal: null,
    timeMs: Math.round(Math.min(cpuMs, wallMs) * 100) / 100,
    memoryKb: heapKb,
  };
}

/** The error as the student should see it: their frames only, none of the host's. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const stack = err.stack && err.stack.includes(err.message) ? err.stack : `${err.name}: ${err.message}`;
  const lines = stack.split('\n');
  const boundary = lines.findIndex((l) => l.includes('<isolated-vm boundary>'));
  return (boundary >= 0 ? lines.slice(0, boundary) : lines.filter((l) => !l.includes(__dirname))).join('\n');
}

function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Drops to the unprivileged user the pool names (when the worker is root) once this process has
 * loaded everything it needs, and before any request is worked on, so no program ever runs with
 * privileges. Done here rather than by forking with uid/gid, so the project may live where only root
 * can read (a fresh clone under a 0700 temporary directory, say); and one macrotask late, because
 * loaders finish loading their own parts in microtasks after the main module ran (tsx under tests).
 */
function dropPrivileges(): void {
  const uid = Number(process.env.GEMA_RUNNER_UID);
  const gid = Number(process.env.GEMA_RUNNER_GID);
  if (!process.env.GEMA_RUNNER_UID || !Number.isInteger(uid) || !Number.isInteger(gid)) return;
  process.setgroups?.([]);
  process.setgid?.(gid);
  process.setuid?.(uid);
  // fail closed: a child that is still privileged never works on a program
  if (process.getuid?.() !== uid || process.geteuid?.() !== uid || process.getegid?.() !== gid) process.exit(70);
}
const unprivileged = new Promise<void>((resolve) =>
  setImmediate(() => {
    dropPrivileges();
    resolve();
  }),
);

process.on('message', (raw: ChildRequest) => {
  const work = unprivileged.then(() =>
    raw.kind === 'check'
      ? check(raw.files).then((r) => send({ id: raw.id, kind: 'check', ...r }))
      : run(raw.files, raw.stdin, raw.limits).then((result) => send({ id: raw.id, kind: 'run', result })),
  );
  work.catch((err: unknown) => send({ id: raw.id, kind: 'error', message: describe(err) }));
});
// the pool went away (worker exited or crashed): never outlive it
process.on('disconnect', () => process.exit(0));
