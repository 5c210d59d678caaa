/**
 * A runner child: the process where isolates live, so a V8 out-of-memory that isolated-vm's soft
 * limit misses kills this process and not the worker. Forked by `pool.ts`; one request at a time.
 */
import ivm from 'isolated-vm';
import type { Limits, RunResult, RunVerdict } from '../types';
import { OutputCapture, outputCaps } from '../limits';
import { PROGRESS_MS, type BatchTest, type ChildRequest, type ChildResponse, type OpenResult } from './protocol';
import { outputMatches } from '../../../common/grading/compare';
import { PRELUDE } from './prelude';

/** V8 needs a few MB of its own before the program allocates anything */
const MIN_ISOLATE_MB = 8;
/** how often the CPU time of a running isolate is read, and how far past the limit it may get */
const CPU_POLL_MS = 10;
const CPU_KILL_MARGIN_MS = 50;
/**
 * An isolate is replaced before a run once its heap has grown this far past where it started: what
 * earlier tests (of this program or, in a reused isolate, of earlier ones) left as garbage V8 has not
 * collected yet then never shows in a later test's memory figure by more than this.
 */
const RECYCLE_HEAP_BYTES = 16 * 1024 * 1024;
/** sessions a child keeps at once (the pool sends a session's runs to the child that holds it) */
const MAX_SESSIONS = 2;

type Files = { name: string; content: string }[];

function send(msg: ChildResponse): void {
  process.send?.(msg);
}

/**
 * One prepared program: an isolate with the prelude and the program compiled once. Each run gets a
 * fresh context (its own globals, built-ins and prototypes), so tests share nothing a program can
 * reach; creating an isolate costs ~3 ms of CPU, a context ~0.3 ms.
 */
interface Session {
  files: Files;
  memoryMb: number;
  isolate: ivm.Isolate;
  prelude: ivm.Script;
  /** in run order: non-entry files first, so the entry point can use what they define */
  scripts: ivm.Script[];
  /** the isolate's heap right after it was built */
  baseHeapBytes: number;
}

const sessions = new Map<number, Session>();

const heapBytes = (isolate: ivm.Isolate) => {
  const heap = isolate.getHeapStatisticsSync();
  return heap.total_heap_size + heap.externally_allocated_size;
};

/**
 * An isolate whose last session ended cleanly (every run of it finished without a throw or a stop, its
 * heap within RECYCLE_HEAP_BYTES of where it started), kept for the next program with the same memory
 * limit: creating an isolate and compiling the prelude is ~3 ms of CPU, a third of a 5-test
 * submission's. Nothing of the last program survives in it that a new one can reach: its compiled
 * scripts are released, and every run has its own context (globals, built-ins, prototypes) as before.
 */
interface Spare {
  isolate: ivm.Isolate;
  prelude: ivm.Script;
  memoryMb: number;
  baseHeapBytes: number;
}
const spares: Spare[] = [];
const MAX_SPARES = 2;

function isolateFor(memoryMb: number): Spare {
  const i = spares.findIndex((s) => s.memoryMb === memoryMb && !s.isolate.isDisposed);
  if (i >= 0) return spares.splice(i, 1)[0]!;
  const isolate = new ivm.Isolate({ memoryLimit: Math.max(MIN_ISOLATE_MB, memoryMb) });
  return { isolate, prelude: isolate.compileScriptSync(PRELUDE), memoryMb, baseHeapBytes: heapBytes(isolate) };
}

/** Compiles the program (which parses only: nothing of it runs here); a syntax error is thrown. */
function build(files: Files, memoryMb: number): Session {
  const spare = isolateFor(memoryMb);
  const { isolate, prelude, baseHeapBytes } = spare;
  const compiled: ivm.Script[] = [];
  try {
    for (const file of files) compiled.push(isolate.compileScriptSync(file.content, { filename: file.name }));
    const scripts = compiled.length > 1 ? [...compiled.slice(1), compiled[0]!] : compiled;
    return { files, memoryMb, isolate, prelude, scripts, baseHeapBytes };
  } catch (err) {
    // a syntax error ran nothing: the isolate serves the next program
    for (const script of compiled) script.release();
    if (!isolate.isDisposed && spares.length < MAX_SPARES) spares.push(spare);
    else if (!isolate.isDisposed) isolate.dispose();
    throw err;
  }
}

/**
 * Ends a session. `clean`: its runs all finished without a throw or a stop, so its isolate may serve
 * another program (when its heap has not grown past RECYCLE_HEAP_BYTES); otherwise it is disposed.
 */
function close(id: number, clean = true): void {
  const session = sessions.get(id);
  sessions.delete(id);
  if (!session || session.isolate.isDisposed) return;
  const { isolate } = session;
  try {
    if (clean && spares.length < MAX_SPARES && heapBytes(isolate) - session.baseHeapBytes <= RECYCLE_HEAP_BYTES) {
      for (const script of session.scripts) script.release();
      spares.push({ isolate, prelude: session.prelude, memoryMb: session.memoryMb, baseHeapBytes: session.baseHeapBytes });
      return;
    }
  } catch {
    // disposed meanwhile: nothing to keep
  }
  if (!isolate.isDisposed) isolate.dispose();
}

function keep(id: number, session: Session): void {
  sessions.delete(id);
  sessions.set(id, session);
  // the least recently used goes first: a later run of it rebuilds it from the files it carries
  for (const old of [...sessions.keys()].slice(0, Math.max(0, sessions.size - MAX_SESSIONS))) close(old);
}

function open(id: number, files: Files, memoryMb: number): OpenResult {
  const started = process.hrtime.bigint();
  close(id);
  try {
    keep(id, build(files, memoryMb));
    return { ok: true, output: '', timeMs: msSince(started) };
  } catch (err) {
    return { ok: false, output: describe(err), timeMs: msSince(started) };
  }
}

/** The session's isolate for the next run: the one it holds, or a fresh one when that one is gone or grown. */
function sessionFor(id: number, files: Files, memoryMb: number): Session {
  const held = sessions.get(id);
  if (held && !held.isolate.isDisposed && held.memoryMb === memoryMb) {
    try {
      if (heapBytes(held.isolate) - held.baseHeapBytes <= RECYCLE_HEAP_BYTES) {
        keep(id, held);
        return held;
      }
    } catch {
      // disposed meanwhile: rebuilt below
    }
  }
  close(id);
  const session = build(files, memoryMb);
  keep(id, session);
  return session;
}

async function run(id: number, files: Files, stdin: string, limits: Limits): Promise<RunResult> {
  const caps = outputCaps(limits);
  const output = new OutputCapture(caps);
  const session = sessionFor(id, files, limits.memoryMb);
  const { isolate } = session;
  let outputLimited = false;
  let failure: unknown;
  let setupDone = false;
  let heapKb = 0;
  let context: ivm.Context | undefined;
  const started = process.hrtime.bigint();
  // the isolate's CPU clock runs across the session's runs: this run's share is the difference
  const cpuAtStart = Number(isolate.cpuTime) / 1e6;
  // isolated-vm's timeout is wall-clock: give a loaded machine slack, judge by CPU time below
  const wallBudgetMs = Math.ceil(limits.timeMs * 1.5) + 50;
  // ...and stop the program as soon as its CPU time passes the limit, as bubblewrap's helper does,
  // rather than letting a busy loop run on to the wall-clock budget
  let cpuKilled = false;
  let lastCpuMs = 0;
  const watchdog = setInterval(() => {
    if (isolate.isDisposed) return;
    lastCpuMs = Number(isolate.cpuTime) / 1e6 - cpuAtStart;
    if (lastCpuMs > limits.timeMs + CPU_KILL_MARGIN_MS) {
      cpuKilled = true;
      isolate.dispose();
    }
  }, CPU_POLL_MS);
  try {
    // synchronous calls: the set-up is bounded and each async call is a hop to the isolate's thread
    context = isolate.createContextSync();
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
    context.global.setSync('__gemaWrite', write);
    context.global.setSync('__gemaStdin', stdin, { copy: true });
    context.global.setSync('__gemaMaxChunk', caps.hard + 1);
    session.prelude.runSync(context, { timeout: 1000 });
    setupDone = true;
    for (const script of session.scripts) {
      const remaining = Math.floor(wallBudgetMs - msSince(started));
      if (remaining <= 0) throw new Error('Script execution timed out.');
      // asynchronous, so the watchdog above keeps running while the program does
      await script.run(context, { timeout: remaining });
    }
  } catch (err) {
    // before the program started, a failure is ours, not the student's
    if (!setupDone) {
      close(id, false);
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
      cpuMs = Number(isolate.cpuTime) / 1e6 - cpuAtStart;
      // committed heap only shrinks on a compacting GC, so at the end it approximates the peak
      // (of this run, plus at most RECYCLE_HEAP_BYTES that earlier runs of the session left)
      heapKb = Math.round(heapBytes(isolate) / 1024);
      context?.release();
    } catch {
      // disposed meanwhile (memory limit): keep wall time
    }
  }
  const memoryDisposed = isolate.isDisposed && !outputLimited && !cpuKilled;
  // a stopped program's isolate is never reused: the next run builds a fresh one
  if (isolate.isDisposed || failure !== undefined) close(id, false);

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

/**
 * A submission's runs in one request, each exactly as a `run` request would do it (fresh context,
 * the same limits and recycling). Results that waited PROGRESS_MS go out as `progress`; a batch stops
 * after a test that fails its `stopUnless`. A throw (our failure, not the program's) loses the results
 * not sent yet: the pool then runs the rest one request at a time. `compile`: the syntax check's result
 * of a batch that opened the program, sent with the first message.
 */
async function runBatch(
  requestId: number,
  id: number,
  files: Files,
  tests: BatchTest[],
  limits: Limits,
  compile?: OpenResult,
): Promise<{ results: RunResult[]; compile?: OpenResult }> {
  let unsent: RunResult[] = [];
  let compileUnsent = compile;
  let lastSent = process.hrtime.bigint();
  for (const [index, test] of tests.entries()) {
    const result = await run(id, files, test.stdin, limits);
    unsent.push(result);
    const stop = test.stopUnless;
    if (stop && (result.verdict !== 'ok' || !outputMatches(stop.expected, result.stdout, stop))) break;
    if (index < tests.length - 1 && msSince(lastSent) >= PROGRESS_MS) {
      send({ id: requestId, kind: 'progress', results: unsent, ...(compileUnsent ? { compile: compileUnsent } : {}) });
      unsent = [];
      compileUnsent = undefined;
      lastSent = process.hrtime.bigint();
    }
  }
  return { results: unsent, ...(compileUnsent ? { compile: compileUnsent } : {}) };
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
  const work = unprivileged.then(() => {
    for (const id of raw.close ?? []) close(id);
    if (raw.kind === 'open') return send({ id: raw.id, kind: 'open', ...open(raw.session, raw.files, raw.memoryMb) });
    if (raw.kind === 'batch') {
      const compile = raw.open ? open(raw.session, raw.files, raw.limits.memoryMb) : undefined;
      if (compile && !compile.ok) return send({ id: raw.id, kind: 'batch', results: [], compile });
      return runBatch(raw.id, raw.session, raw.files, raw.tests, raw.limits, compile).then((reply) => send({ id: raw.id, kind: 'batch', ...reply }));
    }
    return run(raw.session, raw.files, raw.stdin, raw.limits).then((result) => send({ id: raw.id, kind: 'run', result }));
  });
  work.catch((err: unknown) => send({ id: raw.id, kind: 'error', message: describe(err) }));
});
// the pool went away (worker exited or crashed): never outlive it
process.on('disconnect', () => process.exit(0));
