import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { OutputCapture, type OutputCaps } from '../limits';
import type { GroupUsage, RunGroup } from '../cgroup';
import type { ProcessLimits } from './languages';
import { HARNESS_SOURCE } from './harness';
import { BOX } from './languages';
import {
  bwrapArgs,
  CPU_KILL_MARGIN_MS,
  helperArgs,
  nextRunName,
  parseStatus,
  POLL_MS,
  SANDBOX_OVERHEAD_MB,
  type BwrapHost,
  type HelperStatus,
  type SandboxOutcome,
} from './spawn';

/** the harness's status pipe: fd 4 of gema-run, handed on through bubblewrap (--keep-fd) */
const STATUS_FD = 4;
/** how long the harness may take to start (python, ctypes) before the session is given up */
const READY_MS = 10_000;
/** how long `load` and `reset` may take (killing and reaping, emptying /tmp) before the session is given up */
const RESET_MS = 5_000;
/**
 * Tests one session serves before the next gets a new one (a bound on what one sandbox lives through;
 * the harness's own CPU is watched as well, harnessCpuBudgetUs).
 */
export const TESTS_PER_SESSION = 200;
/** programs one session serves, one after the other (a warm sandbox of one task, runner.ts) */
export const PROGRAMS_PER_SESSION = 32;

/**
 * The harness's own CPU (a few ms a test: forks, clean-up, status lines) adds up against the
 * RLIMIT_CPU it shares with the tests' backstop (whole seconds, cpuMs rounded up + 1, spawn.ts
 * helperArgs): past half of it the session serves no further test, so the harness is never near
 * the limit's SIGKILL, whatever the machine's load.
 */
export function harnessCpuBudgetUs(cpuMs: number): number {
  return ((Math.ceil(cpuMs / 1000) + 1) * 1e6) / 2;
}

export interface SessionOptions {
  python: string;
  /** mounted read-only at BOX: the files of the program being served (the worker replaces them between programs) */
  workDir: string;
  /** the limits of every test of the session (a test with other limits gets a session of its own) */
  limits: ProcessLimits;
}

interface Exchange {
  output: OutputCapture;
  /** the end-of-output marker once the worker sent it; bytes before it on each stream are the test's */
  marker?: Buffer;
  pending: Record<'stdout' | 'stderr', Buffer>;
  ended: Record<'stdout' | 'stderr', boolean>;
  outputLimited: boolean;
  onChange: () => void;
}

/**
 * One bubblewrap sandbox serving every test of a Python program in turn: the harness (harness.ts)
 * is its PID 1 and starts a fresh process per test. The worker keeps what it kept per run before:
 * the run's control group (memory limit, pids.max, OOM events) and, per test, the group's CPU and
 * peak memory counted from that test's start, its 10 ms poll that kills the group past the CPU
 * limit or at the first OOM event, the wall clock and the output caps. Any such kill ends the
 * session; the next test gets a new one. The harness reports how the test's process ended and its
 * rusage (a cross-check, as gema-run's is), never the figures the verdict is judged on.
 */
export class PythonSession {
  private child?: ChildProcess;
  private group?: RunGroup;
  private statusBuffer = '';
  private helperStatus = '';
  private readonly lines: string[] = [];
  private lineWaiter?: () => void;
  private exchange?: Exchange;
  private closed = false;
  private served = 0;
  private programs = 0;
  /** the worker killed the group during the current test (a limit) */
  private killed = false;
  /** the session can take another test */
  alive = false;

  constructor(
    private readonly host: BwrapHost,
    private readonly mounts: string[],
    readonly options: SessionOptions,
  ) {}

  /** starts the sandbox and waits for the harness; false when this machine cannot give a session (the caller runs one sandbox per test) */
  async open(): Promise<boolean> {
    const { limits } = this.options;
    const manager = this.host.cgroups;
    if (!manager) return false;
    const group = manager.createRun(nextRunName(), {
      memoryBytes: (limits.memoryMb + SANDBOX_OVERHEAD_MB) * 1024 * 1024,
      pids: limits.nproc + 1,
    });
    this.group = group;
    if (!group.resetPeak?.()) {
      await this.close();
      return false;
    }
    // no program on the command line (/proc/1/cmdline is readable inside): programs come with `load`
    const argv = [this.options.python, '-E', '-s', '-S', '-B', '-c', HARNESS_SOURCE];
    const bwrap = bwrapArgs(this.mounts, { workDir: this.options.workDir, writable: false, argv }, true);
    const child = spawn(this.host.helper.file, helperArgs(this.host, group, limits, bwrap, [STATUS_FD]), {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
      env: {},
    });
    this.child = child;
    child.stdin?.on('error', () => {});
    this.collect(child.stdout, 'stdout');
    this.collect(child.stderr, 'stderr');
    const helper = child.stdio[3] as Readable | null;
    helper?.setEncoding('utf8');
    helper?.on('data', (text: string) => {
      if (this.helperStatus.length < 4096) this.helperStatus += text;
    });
    const status = child.stdio[STATUS_FD] as Readable | null;
    status?.setEncoding('utf8');
    status?.on('data', (text: string) => {
      this.statusBuffer += text;
      let nl: number;
      while ((nl = this.statusBuffer.indexOf('\n')) >= 0) {
        this.lines.push(this.statusBuffer.slice(0, nl));
        this.statusBuffer = this.statusBuffer.slice(nl + 1);
      }
      if (this.statusBuffer.length > 4096) this.statusBuffer = '';
      this.wake();
    });
    child.on('error', () => this.died());
    child.on('close', () => this.died());
    const line = await this.nextLine(READY_MS);
    if (line !== 'ready') {
      await this.close();
      return false;
    }
    this.alive = true;
    return true;
  }

  /**
   * Makes the files now in workDir (`names`, the first is run) the program the next tests run: the
   * harness first ends everything of the previous one (reset). False: the session is over.
   */
  async load(names: string[]): Promise<boolean> {
    if (!this.alive) return false;
    if (++this.programs > PROGRAMS_PER_SESSION) {
      await this.close();
      return false;
    }
    this.send('load', Buffer.from(names.map((n) => `${BOX}/${n}`).join('\n')));
    if ((await this.nextLine(RESET_MS)) === 'loaded') return true;
    await this.close();
    return false;
  }

  /**
   * Ends everything of the program served (processes, /tmp, /dev/shm, SysV IPC, its names in the
   * harness) so that the session can wait for another; false when it could not (the session is closed).
   */
  async reset(): Promise<boolean> {
    if (!this.alive) return false;
    this.send('reset', Buffer.alloc(0));
    const line = await this.nextLine(RESET_MS);
    if (line && /^reset leftover=\d+ tampered=0$/.test(line) && this.alive) return true;
    await this.close();
    return false;
  }

  /** the syntax check (py_compile's message), in a process of its own */
  check(wallMs: number, cpuMs: number, caps: OutputCaps): Promise<SandboxOutcome> {
    return this.exec('check', Buffer.alloc(0), wallMs, cpuMs, caps);
  }

  run(stdin: string, wallMs: number, caps: OutputCaps): Promise<SandboxOutcome> {
    return this.exec('run', Buffer.from(stdin, 'utf8'), wallMs, this.options.limits.cpuMs, caps);
  }

  private async exec(verb: string, body: Buffer, wallMs: number, cpuMs: number, caps: OutputCaps): Promise<SandboxOutcome> {
    const group = this.group!;
    if (!this.alive) throw new Error('the session has ended');
    if (++this.served >= TESTS_PER_SESSION) this.alive = false;
    const started = process.hrtime.bigint();
    group.resetPeak!();
    const base = group.usage();
    const ex: Exchange = {
      output: new OutputCapture(caps),
      pending: { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) },
      ended: { stdout: false, stderr: false },
      outputLimited: false,
      onChange: () => this.wake(),
    };
    this.exchange = ex;
    let wallTimedOut = false;
    let cpuKilled = false;
    let memoryKilled = false;
    const kill = () => {
      this.alive = false;
      this.killed = true;
      void group.kill();
      this.lastResort();
    };
    const timer = setTimeout(() => {
      wallTimedOut = true;
      kill();
    }, wallMs);
    const watch = setInterval(() => {
      if (cpuKilled || memoryKilled) return;
      const u = group.usage();
      if (u.ooms > base.ooms) memoryKilled = true;
      else if ((u.cpuUs - base.cpuUs) / 1000 > cpuMs + CPU_KILL_MARGIN_MS) cpuKilled = true;
      else return;
      kill();
    }, POLL_MS);
    let status: HelperStatus | undefined;
    try {
      this.send(verb, body);
      const ended = await this.nextLine();
      if (ended?.startsWith('ended ') && !this.killed) {
        status = parseStatus(ended.slice('ended '.length) + ' setup_errno=0 setup_step=-');
        const self = /(?:^| )self_us=(\d+)/.exec(ended);
        if (self && Number(self[1]) > harnessCpuBudgetUs(this.options.limits.cpuMs)) this.alive = false;
        // the test changed what the harness's forks inherit (its rlimits, priority, scheduling): no later test gets them
        if (/(?:^| )tampered=1/.test(ended)) this.alive = false;
        // no process of the student's exists any more: now the nonce may enter the sandbox
        const nonce = crypto.randomBytes(16).toString('hex');
        ex.marker = Buffer.from(`\n${nonce}\n`);
        for (const s of ['stdout', 'stderr'] as const) this.scan(ex, s, Buffer.alloc(0));
        this.send('mark', Buffer.from(nonce));
        const marked = /^marked ([01]) ([01])$/.exec((await this.nextLine()) ?? '');
        // a stream the marker could not reach (the test shut it down): its output is what arrives
        // before its end of file, and the session serves no further test
        if (marked?.[1] === '0' || marked?.[2] === '0') this.alive = false;
        if (marked?.[1] === '0') this.atEnd(ex, 'stdout');
        if (marked?.[2] === '0') this.atEnd(ex, 'stderr');
        while (!this.closed && !(ex.ended.stdout && ex.ended.stderr)) await this.waitChange();
        if (!marked || !(ex.ended.stdout && ex.ended.stderr)) status = undefined;
      }
    } finally {
      clearTimeout(timer);
      clearInterval(watch);
      this.exchange = undefined;
    }
    const u = group.usage();
    const usage: GroupUsage = { cpuUs: u.cpuUs - base.cpuUs, peakBytes: u.peakBytes, ooms: u.ooms - base.ooms };
    if (ex.outputLimited || u.ooms > base.ooms) this.alive = false;
    if (!this.alive) await this.close();
    return {
      output: ex.output,
      status,
      usage,
      wallTimedOut,
      outputLimited: ex.outputLimited,
      cpuKilled,
      memoryKilled: memoryKilled || usage.ooms > 0,
      wallMs: Number(process.hrtime.bigint() - started) / 1e6,
    };
  }

  /** with the group killed gema-run ends by itself; if it has not a while later, it is killed too */
  private lastResort(): void {
    const child = this.child;
    const t = setTimeout(() => {
      if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    t.unref();
  }

  /** the test's output on `name` ends with the stream's end of file */
  private atEnd(ex: Exchange, name: 'stdout' | 'stderr'): void {
    const stream = name === 'stdout' ? this.child?.stdout : this.child?.stderr;
    const done = () => {
      this.push(ex, name, ex.pending[name]);
      ex.pending[name] = Buffer.alloc(0);
      ex.ended[name] = true;
      ex.onChange();
    };
    if (!stream || stream.readableEnded) done();
    else stream.once('end', done);
  }

  private send(verb: string, body: Buffer): void {
    (this.child?.stdin as Writable | null)?.write(Buffer.concat([Buffer.from(`${verb} ${body.length}\n`), body]));
  }

  private collect(stream: Readable | null, name: 'stdout' | 'stderr'): void {
    stream?.on('data', (chunk: Buffer) => {
      const ex = this.exchange;
      // bytes outside a test: nobody's (a killed session's last words)
      if (!ex || ex.ended[name]) return;
      this.scan(ex, name, chunk);
    });
  }

  /** the test's bytes go to its capture; once the marker is known, up to it and no further */
  private scan(ex: Exchange, name: 'stdout' | 'stderr', chunk: Buffer): void {
    if (!ex.marker) {
      this.push(ex, name, chunk);
      return;
    }
    const data = Buffer.concat([ex.pending[name], chunk]);
    const at = data.indexOf(ex.marker);
    if (at >= 0) {
      this.push(ex, name, data.subarray(0, at));
      ex.pending[name] = Buffer.alloc(0);
      ex.ended[name] = true;
      ex.onChange();
      return;
    }
    const keep = Math.min(data.length, ex.marker.length - 1);
    this.push(ex, name, data.subarray(0, data.length - keep));
    ex.pending[name] = Buffer.from(data.subarray(data.length - keep));
  }

  private push(ex: Exchange, name: 'stdout' | 'stderr', bytes: Buffer): void {
    if (bytes.length === 0) return;
    ex.output[name].push(bytes);
    if (!ex.outputLimited && ex.output.overHardCap) {
      ex.outputLimited = true;
      this.alive = false;
      this.killed = true;
      void this.group?.kill();
    }
  }

  private wake(): void {
    const w = this.lineWaiter;
    this.lineWaiter = undefined;
    w?.();
  }

  private waitChange(): Promise<void> {
    return new Promise((resolve) => {
      this.lineWaiter = resolve;
    });
  }

  /** the harness's next status line, or undefined once the session is over */
  private async nextLine(timeoutMs?: number): Promise<string | undefined> {
    const timer = timeoutMs ? setTimeout(() => this.died(), timeoutMs) : undefined;
    try {
      while (this.lines.length === 0 && !this.closed) await this.waitChange();
      return this.lines.shift();
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private died(): void {
    this.alive = false;
    this.closed = true;
    void this.group?.kill();
    this.wake();
  }

  /** what gema-run said of the sandbox (for a session that would not start) */
  helperReport(): HelperStatus | undefined {
    return parseStatus(this.helperStatus);
  }

  async close(): Promise<void> {
    this.alive = false;
    this.closed = true;
    this.child?.stdin?.end();
    await this.group?.destroy().catch(() => undefined);
    this.group = undefined;
    this.wake();
  }
}
