import type { CompileResult, Language, Limits, PreparedProgram, PrepareOptions, RunResult, Runner, SourceFile, TestRun } from '../types';
import type { OpenResult } from './protocol';
import { outputMatches } from '../../../common/grading/compare';
import { clip, COMPILE_OUTPUT_KEEP_BYTES, internalError } from '../limits';
import { ChildDiedError, ChildTimeoutError, IsolatePool, type PoolOptions } from './pool';

/** V8's own words when a heap limit is hit hard enough to take the process down */
const V8_OOM = /out of memory|Allocation failed|heap limit/i;

let sessionCounter = 0;

/**
 * JavaScript in isolated-vm, inside a pool of child processes. Preparing compiles the program once
 * in an isolate the child keeps for it (a syntax error is reported then, as a compiler's would be);
 * each run gets a fresh context of that isolate, and a fresh isolate after any run that failed or
 * grew its heap (child.ts).
 */
export class IsolatedVmRunner implements Runner {
  readonly name = 'isolated-vm' as const;
  private readonly pool: IsolatePool;

  constructor(poolSize: number, options: PoolOptions = {}) {
    this.pool = new IsolatePool(poolSize, options);
  }

  supports(language: Language): boolean {
    return language === 'javascript';
  }

  async prepare(language: Language, files: SourceFile[], limits: Limits, options: PrepareOptions = {}): Promise<PreparedProgram> {
    // `reuseKey` is bubblewrap's: an isolate serves the next program whatever its task (child.ts)
    const { tests } = options;
    if (!this.supports(language)) throw new Error(`isolated-vm cannot run ${language}`);
    if (files.length === 0) {
      return {
        compile: { ok: false, output: 'no source files', timeMs: 0 },
        run: async () => internalError('the program did not compile'),
        dispose: async () => {},
      };
    }
    const copy = files.map((f) => ({ name: f.name, content: f.content }));
    const session = ++sessionCounter;
    const pool = this.pool;
    // the syntax check and the runs in one request: its first message says whether the program compiled
    const started = tests ? startBatch(pool, session, copy, tests, limits, true) : undefined;
    const opened = started && (await started.compiled);
    let compile: CompileResult;
    if (opened) {
      compile = compiled(opened);
    } else {
      // no tests, or the request that carried them failed before it said (the child died, an error on
      // our side): the syntax check on its own, as a program without tests has it; its runs follow one
      // request at a time
      let reply;
      try {
        reply = await pool.request({ kind: 'open', session, files: copy, memoryMb: limits.memoryMb }, 30_000);
      } catch (err) {
        pool.closeSession(session);
        throw err;
      }
      if (reply.kind !== 'open') pool.closeSession(session);
      if (reply.kind === 'error') throw new Error(`syntax check failed: ${reply.message}`);
      if (reply.kind !== 'open') throw new Error('unexpected reply from runner child');
      compile = compiled(reply);
    }
    if (!compile.ok) pool.closeSession(session);
    return {
      compile,
      async run(stdin: string, limits: Limits): Promise<RunResult> {
        if (!compile.ok) return internalError('the program did not compile');
        return runOnce(pool, session, copy, stdin, limits);
      },
      runAll(runs: TestRun[], runLimits: Limits): AsyncIterable<RunResult> {
        if (!compile.ok) return oneByOne(runs, async () => internalError('the program did not compile'));
        // the batch that came with the compile, when these are its tests
        if (started && opened && runs === tests && runLimits === limits) return started.results();
        return startBatch(pool, session, copy, runs, runLimits).results();
      },
      async dispose() {
        // nothing on disk: the compiled program lives in the child's session only
        pool.closeSession(session);
      },
    };
  }

  /** starts the runner children now rather than on the first programs */
  warm(): void {
    this.pool.warm();
  }

  /** pids of the runner children, for operations and tests */
  childPids(): number[] {
    return this.pool.childPids();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

async function runOnce(pool: IsolatePool, session: number, files: SourceFile[], stdin: string, limits: Limits): Promise<RunResult> {
  // the child enforces the limits; this deadline only catches a child that stopped answering
  const deadline = limits.timeMs * 3 + 5000;
  try {
    const reply = await pool.request({ kind: 'run', session, files, stdin, limits }, deadline);
    if (reply.kind === 'run') return reply.result;
    return internalError(reply.kind === 'error' ? reply.message : 'unexpected reply from runner child');
  } catch (err) {
    if (err instanceof ChildDiedError) {
      if (err.exit.outOfMemory || V8_OOM.test(err.exit.stderrTail)) {
        return { ...internalError(''), verdict: 'memory_limit', message: undefined, memoryKb: limits.memoryMb * 1024 };
      }
      return internalError(err.message);
    }
    if (err instanceof ChildTimeoutError) return { ...internalError(''), verdict: 'time_limit', message: undefined, timeMs: deadline };
    return internalError((err as Error).message);
  }
}

/** whether runs go on after this one (`stopUnless` absent, or the run was `ok` and matched) */
const goesOn = (test: TestRun, result: RunResult) =>
  !test.stopUnless || (result.verdict === 'ok' && outputMatches(test.stopUnless.expected, result.stdout, test.stopUnless));

async function* oneByOne(tests: TestRun[], run: (stdin: string) => Promise<RunResult>, from = 0): AsyncGenerator<RunResult> {
  for (const test of tests.slice(from)) {
    const result = await run(test.stdin);
    yield result;
    if (!goesOn(test, result)) return;
  }
}

const compiled = (r: OpenResult): CompileResult => ({ ok: r.ok, output: clip(r.output, COMPILE_OUTPUT_KEEP_BYTES), timeMs: Math.round(r.timeMs) });

/**
 * A submission's runs as one request to the child (instead of one request per test): results come
 * back as the child sends them (`progress` for slow tests, the rest with the answer). When the batch
 * does not complete (the child died, stopped answering or failed on our side), the tests it did not
 * report run one request at a time from there, so each still gets the verdict a single run gives.
 * `open`: the request also opens the program (its syntax check), whose result `compiled` resolves with
 * (undefined when the request failed before saying).
 */
function startBatch(
  pool: IsolatePool,
  session: number,
  files: SourceFile[],
  tests: TestRun[],
  limits: Limits,
  open = false,
): { compiled: Promise<OpenResult | undefined>; results(): AsyncGenerator<RunResult> } {
  const arrived: RunResult[] = [];
  let settled = false;
  let complete = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  let tell: (r: OpenResult | undefined) => void = () => undefined;
  const compiled = new Promise<OpenResult | undefined>((resolve) => (tell = resolve));
  const deadline = limits.timeMs * 3 + 5000;
  const finished = pool
    .request({ kind: 'batch', session, files, tests, limits, ...(open ? { open: true as const } : {}) }, deadline, (msg) => {
      if (msg.compile) tell(msg.compile);
      arrived.push(...msg.results);
      notify();
    })
    .then(
      (reply) => {
        if (reply.kind !== 'batch') return;
        if (reply.compile) tell(reply.compile);
        arrived.push(...reply.results);
        complete = true;
      },
      () => undefined,
    )
    .finally(() => {
      settled = true;
      // a request that ended without saying whether the program compiled: the caller checks on its own
      tell(undefined);
      notify();
    });
  async function* results(): AsyncGenerator<RunResult> {
    let yielded = 0;
    let last: RunResult | undefined;
    for (;;) {
      while (yielded < arrived.length) {
        last = arrived[yielded]!;
        yielded++;
        yield last;
      }
      if (settled) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    await finished;
    if (complete) return;
    if (last && !goesOn(tests[yielded - 1]!, last)) return;
    yield* oneByOne(tests, (stdin) => runOnce(pool, session, files, stdin, limits), yielded);
  }
  return { compiled, results };
}
