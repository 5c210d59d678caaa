import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { IsolatedVmRunner } from '../../worker/sandbox/isolate/runner';
import { CHILD_MEMORY_MB, IsolatePool } from '../../worker/sandbox/isolate/pool';
import { createSandbox, sandboxIsolation } from '../../worker/sandbox';
import type { Limits, RunResult, TestRun } from '../../worker/sandbox/types';

const LIMITS: Limits = { timeMs: 1000, memoryMb: 64 };

describe('JavaScript runner (isolated-vm in child processes)', function () {
  this.timeout(30_000);
  let runner: IsolatedVmRunner;
  before(() => {
    runner = new IsolatedVmRunner(1);
  });
  after(() => runner.close());

  async function run(code: string, stdin = '', limits = LIMITS) {
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: code }], limits);
    return prog.run(stdin, limits);
  }

  it('gives readLine() one line per call without the line break, then null', async () => {
    const r = await run(
      `const a = []; let l; while ((l = readLine()) !== null) a.push(JSON.stringify(l)); print(a.join('|'));`,
      'one\r\ntwo\n\nlast',
    );
    expect(r.stdout).to.equal('"one"|"two"|""|"last"\n');
  });

  it('writes console.error to stderr and console.log to stdout', async () => {
    const r = await run(`console.log('out'); console.error('err', 2);`);
    expect(r.stdout).to.equal('out\n');
    expect(r.stderr).to.equal('err 2\n');
  });

  it('leaves no host handle on the global object', async () => {
    const r = await run(`print(typeof __gemaWrite, typeof __gemaStdin, typeof require, typeof process, typeof setTimeout, typeof queueMicrotask)`);
    expect(r.stdout).to.equal('undefined undefined undefined undefined undefined undefined\n');
  });

  it('offers no WebAssembly, whose memory would escape the isolate heap limit', async () => {
    const r = await run(`print(typeof WebAssembly, typeof globalThis.WebAssembly)`);
    expect(r.stdout).to.equal('undefined undefined\n');
  });

  it('stops a program filling typed arrays past the memory limit with memory_limit', async () => {
    const r = await run(`const keep = []; for (let i = 0; i < 100; i++) keep.push(new Float64Array(5e6).fill(1));`);
    expect(r.verdict).to.equal('memory_limit');
  });

  it('stops a busy loop once its CPU time passes the limit, not at the later wall-clock budget', async () => {
    const limits = { ...LIMITS, timeMs: 500 };
    const r = await run(`for (;;) {}`, '', limits);
    expect(r.verdict).to.equal('time_limit');
    // CPU time as the runner measured it: the limit plus the watchdog's margin and poll, never the
    // 1.5× wall-clock budget isolated-vm's own timeout allows
    expect(r.timeMs).to.be.within(limits.timeMs, limits.timeMs + 250);
  });

  it('stops a program that swallows the output-limit error and keeps printing', async () => {
    const r = await run(`for (;;) { try { console.log('x'.repeat(1000)); } catch (e) {} }`, '', { ...LIMITS, outputHardBytes: 100_000 });
    expect(r.verdict).to.equal('output_limit');
  });

  it('runs the other files before the entry point, so the entry can use what they define', async () => {
    const prog = await runner.prepare(
      'javascript',
      [
        { name: 'main.js', content: 'print(double(21))' },
        { name: 'lib.js', content: 'function double(x) { return x * 2 }' },
      ],
      LIMITS,
    );
    expect((await prog.run('', LIMITS)).stdout).to.equal('42\n');
  });

  it('measures CPU time and heap memory of a run', async () => {
    const r = await run(`const a = []; for (let i = 0; i < 2e5; i++) a.push({ i }); print(a.length)`);
    expect(r.verdict).to.equal('ok');
    expect(r.timeMs).to.be.greaterThan(0);
    expect(r.memoryKb).to.be.greaterThan(2048);
  });

  it('gives every run of one prepared program fresh globals and built-ins, as if it were the first', async () => {
    const code = `print(typeof globalThis.seen, typeof Array.prototype.leak); globalThis.seen = 1; Array.prototype.leak = 1;`;
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: code }], LIMITS);
    try {
      for (let i = 0; i < 3; i++) expect((await prog.run('', LIMITS)).stdout).to.equal('undefined undefined\n');
    } finally {
      await prog.dispose();
    }
  });

  it('gives a program prepared after another one (in the isolate that one left) nothing of it', async () => {
    const first = `globalThis.seen = 1; Array.prototype.leak = 1; function secret() { return 42 } print('first')`;
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: first }], LIMITS);
    expect((await prog.run('', LIMITS)).stdout).to.equal('first\n');
    // its isolate goes back to the child's spares with the next request, and serves the next program
    await prog.dispose();
    const r = await run(`print(typeof globalThis.seen, typeof Array.prototype.leak, typeof secret)`);
    expect(r.stdout).to.equal('undefined undefined undefined\n');
  });

  it('offers no way to schedule code that would run during a later test (FinalizationRegistry, Atomics.waitAsync)', async () => {
    const r = await run(`print(typeof FinalizationRegistry, typeof Atomics.waitAsync)`);
    expect(r.stdout).to.equal('undefined undefined\n');
  });

  it('gives the run after a memory_limit or time_limit one of the same program its full limits', async () => {
    const code = `if (stdin === 'big') { const a = []; for (let i = 0; i < 100; i++) a.push(new Float64Array(5e6).fill(1)); } else if (stdin === 'spin') { while (true) {} } else { const a = []; for (let i = 0; i < 40; i++) a.push(new Array(1e5).fill(i)); print(a.length); }`;
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: code }], LIMITS);
    try {
      expect((await prog.run('big', LIMITS)).verdict).to.equal('memory_limit');
      expect((await prog.run('small', LIMITS)).stdout).to.equal('40\n');
      expect((await prog.run('spin', LIMITS)).verdict).to.equal('time_limit');
      const after = await prog.run('small', LIMITS);
      expect(after.verdict).to.equal('ok');
      // the CPU of the run before is not charged to this one
      expect(after.timeMs).to.be.below(LIMITS.timeMs / 2);
    } finally {
      await prog.dispose();
    }
  });

  async function runAll(code: string, tests: TestRun[], limits = LIMITS): Promise<RunResult[]> {
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: code }], limits);
    const results: RunResult[] = [];
    try {
      for await (const r of prog.runAll!(tests, limits)) results.push(r);
    } finally {
      await prog.dispose();
    }
    return results;
  }

  it('runs every test of runAll in one go, each in fresh globals, in order', async () => {
    const code = `print(typeof globalThis.seen, stdin); globalThis.seen = 1;`;
    const results = await runAll(code, [{ stdin: 'a' }, { stdin: 'b' }, { stdin: 'c' }]);
    expect(results.map((r) => r.stdout)).to.deep.equal(['undefined a\n', 'undefined b\n', 'undefined c\n']);
  });

  it('ends runAll after the first test that does not match its stopUnless, or did not run ok', async () => {
    const spec = (expected: string) => ({ expected, comparison: 'trim' as const });
    const echo = `if (stdin === 'spin') { while (true) {} } print(stdin)`;
    const wrong = await runAll(echo, [
      { stdin: '1', stopUnless: spec('1') },
      { stdin: '2', stopUnless: spec('3') },
      { stdin: '4', stopUnless: spec('4') },
    ]);
    expect(wrong.map((r) => r.stdout)).to.deep.equal(['1\n', '2\n']);
    const limits = { ...LIMITS, timeMs: 200 };
    const slow = await runAll(echo, [{ stdin: 'spin', stopUnless: spec('spin') }, { stdin: '5' }], limits);
    expect(slow.map((r) => r.verdict)).to.deep.equal(['time_limit']);
  });

  it('runs the tests a dead child did not report one at a time, so runAll still gives every verdict', async () => {
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: `if (stdin === 'spin') { while (true) {} } print(stdin)` }], LIMITS);
    const limits = { ...LIMITS, timeMs: 300 };
    const [pid] = runner.childPids();
    const results: RunResult[] = [];
    try {
      // the child dies while the batch is in its spinning test (or before: the outcome is the same)
      const kill = setTimeout(() => process.kill(pid!, 'SIGKILL'), 100);
      for await (const r of prog.runAll!([{ stdin: 'a' }, { stdin: 'spin' }, { stdin: 'b' }], limits)) results.push(r);
      clearTimeout(kill);
    } finally {
      await prog.dispose();
    }
    expect(results.map((r) => r.verdict)).to.deep.equal(['ok', 'time_limit', 'ok']);
    expect(results.map((r) => r.stdout)).to.deep.equal(['a\n', '', 'b\n']);
    expect(runner.childPids()).to.not.include(pid);
  });

  /** The kinds of the requests the pool sends to its children while `work` runs. */
  async function requestsDuring(work: () => Promise<unknown>): Promise<string[]> {
    const original = IsolatePool.prototype.request;
    const kinds: string[] = [];
    IsolatePool.prototype.request = function (this: IsolatePool, ...args: Parameters<IsolatePool['request']>) {
      kinds.push(`${args[0].kind}${'open' in args[0] && args[0].open === true ? '+open' : ''}`);
      return original.apply(this, args);
    };
    try {
      await work();
    } finally {
      IsolatePool.prototype.request = original;
    }
    return kinds;
  }

  it('checks the syntax and runs every test in one request when prepare is given the tests runAll gets', async () => {
    const tests: TestRun[] = [{ stdin: 'a' }, { stdin: 'b' }];
    const results: RunResult[] = [];
    const kinds = await requestsDuring(async () => {
      const prog = await runner.prepare('javascript', [{ name: 'main.js', content: 'print(stdin)' }], LIMITS, { tests });
      expect(prog.compile.ok).to.equal(true);
      for await (const r of prog.runAll!(tests, LIMITS)) results.push(r);
      await prog.dispose();
    });
    expect(kinds).to.deep.equal(['batch+open']);
    expect(results.map((r) => r.stdout)).to.deep.equal(['a\n', 'b\n']);
  });

  it('reports a syntax error of a program prepared with its tests, having run none of them', async () => {
    const tests: TestRun[] = [{ stdin: 'a' }];
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: 'print(stdin);\nglobalThis.ran = 1; let = ;' }], LIMITS, { tests });
    expect(prog.compile.ok).to.equal(false);
    expect(prog.compile.output).to.match(/SyntaxError/);
    const results: RunResult[] = [];
    for await (const r of prog.runAll!(tests, LIMITS)) results.push(r);
    expect(results.map((r) => r.verdict)).to.deep.equal(['internal_error']);
    await prog.dispose();
  });

  it('checks the syntax on its own and still gives every verdict when the child dies before it said whether the program compiled', async () => {
    const tests: TestRun[] = [{ stdin: 'spin' }, { stdin: 'b' }];
    const limits = { ...LIMITS, timeMs: 300 };
    const [pid] = runner.childPids();
    const results: RunResult[] = [];
    const kinds = await requestsDuring(async () => {
      // the compile result goes with the first test's: the child dies in that spinning test
      const kill = setTimeout(() => process.kill(pid!, 'SIGKILL'), 100);
      const prog = await runner.prepare(
        'javascript',
        [{ name: 'main.js', content: `if (stdin === 'spin') { while (true) {} } print(stdin)` }],
        limits,
        { tests },
      );
      clearTimeout(kill);
      expect(prog.compile.ok).to.equal(true);
      for await (const r of prog.runAll!(tests, limits)) results.push(r);
      await prog.dispose();
    });
    expect(kinds).to.deep.equal(['batch+open', 'open', 'batch']);
    expect(results.map((r) => r.verdict)).to.deep.equal(['time_limit', 'ok']);
    expect(runner.childPids()).to.not.include(pid);
  });

  it('answers internal_error when the runner child dies mid-run, and the next run gets a fresh child', async () => {
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: 'while (true) {}' }], LIMITS);
    const running = prog.run('', { ...LIMITS, timeMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [pid] = runner.childPids();
    process.kill(pid!, 'SIGKILL');
    const r = await running;
    expect(r.verdict).to.equal('internal_error');
    expect(r.message).to.match(/runner child exited/);
    const next = await run(`print('alive')`);
    expect(next.stdout).to.equal('alive\n');
    expect(runner.childPids()).to.not.include(pid);
  });
});

describe('JavaScript runner children: unprivileged and in a control group', function () {
  this.timeout(30_000);
  const sandbox = createSandbox({ jsPoolSize: 1 });
  const runner = sandbox.runnerFor('javascript') as IsolatedVmRunner;
  after(() => sandbox.close());

  async function liveChild(): Promise<number> {
    const prog = await runner.prepare('javascript', [{ name: 'main.js', content: `print('hi')` }], LIMITS);
    expect((await prog.run('', LIMITS)).stdout).to.equal('hi\n');
    return runner.childPids()[0]!;
  }

  it('runs the children as an unprivileged user when the worker is root', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const pid = await liveChild();
    const uids = /^Uid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!.split(/\s+/);
    expect(uids).to.deep.equal(['65534', '65534', '65534', '65534']);
  });

  it("starts the children with a minimal environment: nothing of the worker's, no coverage directory", async () => {
    const pid = await liveChild();
    const env = Object.fromEntries(
      fs
        .readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    const allowed = [
      'PATH',
      'NODE_ENV',
      'NODE_V8_COVERAGE',
      'GEMA_RUNNER_UID',
      'GEMA_RUNNER_GID',
      'NODE_CHANNEL_FD',
      'NODE_CHANNEL_SERIALIZATION_MODE',
    ];
    expect(Object.keys(env).filter((k) => !allowed.includes(k))).to.deep.equal([]);
    // Node passes a NODE_V8_COVERAGE the worker has (a coverage run) to its children unless the env names it
    expect(env.NODE_V8_COVERAGE ?? '').to.equal('');
  });

  it('puts each child in a control group of its own with a memory limit', async function () {
    const isolation = sandboxIsolation();
    if (isolation.level === 'none') {
      process.stdout.write(`      (skipped: no control groups here: ${isolation.reason})\n`);
      this.skip();
    }
    const pid = await liveChild();
    const memoryLine = fs
      .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => (isolation.level === 'cgroup2' ? l.startsWith('0::') : /:memory:/.test(l)))!;
    expect(memoryLine).to.match(/\/gema-\d+\/js-\d+$/);
    const procs = (runner as unknown as { pool: { childGroups(): string[][] } }).pool.childGroups()[0]!;
    const memoryDir = path.dirname(procs[0]!);
    const limitFile = isolation.level === 'cgroup2' ? 'memory.max' : 'memory.limit_in_bytes';
    expect(Number(fs.readFileSync(path.join(memoryDir, limitFile), 'utf8'))).to.equal(CHILD_MEMORY_MB * 1024 * 1024);
  });
});
