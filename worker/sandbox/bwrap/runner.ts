import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CompileResult, Language, Limits, PreparedProgram, PrepareOptions, RunResult, Runner, SourceFile } from '../types';
import { clip, COMPILE_LIMITS, COMPILE_OUTPUT_KEEP_BYTES, internalError, outputCaps } from '../limits';
import { buildHelper, helperUnavailable, type BuiltHelper } from './helper';
import { HOST_TOOLS, LANGUAGE_SPECS, type LanguageSpec } from './languages';
import { rootMounts, runSandboxed, type BwrapHost, type SandboxOutcome } from './spawn';
import { PythonSession } from './session';
import { validFileName } from '../files';
import { processIsolation, type Isolation } from '../cgroup';

const NOBODY = 65534;
/** idle warm sandboxes one runner keeps (README.md "A warm sandbox per task"); past it the longest idle is closed */
export const WARM_MAX = 4;
/** an idle warm sandbox is closed after this long */
export const WARM_IDLE_MS = 30_000;

interface WarmSession {
  session: PythonSession;
  /** its program directory (mounted at BOX), empty while it waits */
  workDir: string;
  since: number;
  timer: NodeJS.Timeout;
}
const SIGXCPU = os.constants.signals.SIGXCPU;
const SIGNAL_NAMES = new Map<number, string>(Object.entries(os.constants.signals).map(([name, n]) => [n, name]));

export interface BwrapProbe {
  ok: boolean;
  reason?: string;
}

let probed: BwrapProbe | undefined;

/** Can bubblewrap make a fully unshared sandbox here? Asked once per process. */
export function probeBwrap(bwrap = '/usr/bin/bwrap'): BwrapProbe {
  if (probed) return probed;
  if (!fs.existsSync(bwrap)) return (probed = { ok: false, reason: `${bwrap} not found (install the bubblewrap package)` });
  const helper = helperUnavailable();
  if (helper) return (probed = { ok: false, reason: helper });
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--uid',
    `${NOBODY}`,
    '--gid',
    `${NOBODY}`,
  ];
  const res = spawnSync(bwrap, [...args, ...rootMounts(), '--proc', '/proc', '--dev', '/dev', '--', '/usr/bin/true'], {
    timeout: 10_000,
    env: {},
    ...(runAsUser() ?? {}),
  });
  if (res.status === 0) return (probed = { ok: true });
  const why = res.error?.message ?? (res.stderr?.toString().trim() || `exit ${res.status ?? res.signal}`);
  return (probed = { ok: false, reason: `bubblewrap cannot create a sandbox here: ${why}` });
}

/** As root, bwrap runs as `nobody` (gema-run drops to it) so the sandbox's user is unprivileged on the host too. */
function runAsUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : undefined;
}

export interface BwrapOptions {
  bwrap?: string;
  /** run without control groups when the machine has none (unsafe for untrusted students) */
  allowWeakIsolation?: boolean;
  /** the control groups to use (default: this process's, detected once) */
  isolation?: Isolation;
  /** false: one sandbox per test even where the Python harness could serve a program's tests (benches, specs) */
  harness?: boolean;
}

/**
 * python, c, cpp and java in bubblewrap. A prepared program is a host temp directory: sources and
 * the compiler's output. It is writable only while compiling; every run mounts it read-only and
 * gets a fresh tmpfs as its working directory, so one test cannot leave anything for the next.
 * Every sandbox runs in a control group of its own (README.md#isolation-levels).
 */
export class BwrapRunner implements Runner {
  readonly name = 'bwrap' as const;
  private helper?: Promise<BuiltHelper>;
  private readonly mounts = rootMounts();
  private readonly bwrap: string;
  /** idle sandboxes by reuse key (the caller's key and the session's limits) */
  private readonly warm = new Map<string, WarmSession[]>();
  private warmCount = 0;
  private closing = false;

  constructor(private readonly options: BwrapOptions = {}) {
    this.bwrap = options.bwrap ?? '/usr/bin/bwrap';
  }

  /** the control groups this runner puts its sandboxes in */
  isolation(): Isolation {
    return this.options.isolation ?? processIsolation();
  }

  /** why `language` cannot run in bubblewrap here, or undefined */
  unavailableReason(language: Language): string | undefined {
    const spec = LANGUAGE_SPECS[language];
    if (!spec) return `bubblewrap does not run ${language}`;
    const isolation = this.isolation();
    if (isolation.level === 'none' && !this.options.allowWeakIsolation) {
      return `no control groups to limit and measure untrusted code (${isolation.reason ?? 'none found'}); see README.md#isolation-levels, or set SANDBOX_ALLOW_WEAK_ISOLATION=true (unsafe)`;
    }
    const probe = probeBwrap(this.bwrap);
    if (!probe.ok) return probe.reason;
    const missing = spec.toolchain.filter((tool) => !fs.existsSync(tool));
    return missing.length ? `toolchain not installed: ${missing.join(', ')}` : undefined;
  }

  supports(language: Language): boolean {
    return this.unavailableReason(language) === undefined;
  }

  /**
   * With `options.reuseKey` (the grader's: one task), a Python program may be served by a warm sandbox
   * that an earlier program of the same key and limits used: its files are written to that sandbox's
   * program directory and loaded; the harness ended everything of the earlier program first (README.md
   * "A warm sandbox per task"). Without a key every program gets a sandbox of its own.
   */
  async prepare(language: Language, files: SourceFile[], prepareLimits: Limits, options: PrepareOptions = {}): Promise<PreparedProgram> {
    const spec = LANGUAGE_SPECS[language];
    if (!spec || !this.supports(language)) throw new Error(`bubblewrap cannot run ${language} here`);
    const host = await this.host();
    const bad = files.find((f) => !validFileName(f.name));
    if (files.length === 0 || bad) {
      return failedProgram({ ok: false, output: bad ? `invalid file name: ${JSON.stringify(bad.name)}` : 'no source files', timeMs: 0 });
    }
    const names = files.map((f, i) => spec.fileName(f, i));
    if (new Set(names).size !== names.length) return failedProgram({ ok: false, output: 'two files have the same name', timeMs: 0 });

    const sessionLimits = (limits: Limits) => ({ cpuMs: limits.timeMs, ...spec.runLimits(limits.memoryMb) });
    const harnessed = !!spec.harness && this.options.harness !== false && !!host.cgroups;
    const key = harnessed && options.reuseKey ? `${options.reuseKey}\n${JSON.stringify(sessionLimits(prepareLimits))}` : undefined;
    const slot = key ? this.takeWarm(key) : undefined;
    const workDir = slot?.workDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'gema-box-')));
    let session: PythonSession | undefined = slot?.session;
    // the session's check ran and ended by itself: the only programs whose sandbox may serve another
    let reusable = false;
    // the harness runs one test at a time: runs of a program are queued
    let queue: Promise<unknown> = Promise.resolve();
    const dispose = async () => {
      await queue;
      const s = session;
      session = undefined;
      if (key && reusable && s?.alive && !this.closing && (await s.reset())) {
        try {
          // the program's files go now; the next program of the key gets the directory empty
          await emptyDir(workDir);
          this.putWarm(key, { session: s, workDir });
          return;
        } catch {
          // a file that would not go: this sandbox serves no one else
        }
      }
      await s?.close();
      await fsp.rm(workDir, { recursive: true, force: true });
    };
    try {
      if (!slot) {
        await fsp.chmod(workDir, 0o755);
        if (host.runAs) await fsp.chown(workDir, host.runAs.uid, host.runAs.gid);
      }
      // 'wx': a fresh file, but never write through anything already there
      await Promise.all(files.map((f, i) => fsp.writeFile(path.join(workDir, names[i]!), f.content, { flag: 'wx', mode: 0o644 })));
      const sameLimits = (limits: Limits) => JSON.stringify(sessionLimits(limits)) === JSON.stringify(sessionLimits(prepareLimits));
      const openSession = async (): Promise<PythonSession | undefined> => {
        if (!harnessed) return undefined;
        const s = new PythonSession(host, this.mounts, { python: HOST_TOOLS.python, workDir, limits: sessionLimits(prepareLimits) });
        if ((await s.open()) && (await s.load(names))) return s;
        await s.close();
        return undefined;
      };
      if (session && !(await session.load(names))) {
        await session.close();
        session = undefined;
      }
      session ??= await openSession();
      let compile: CompileResult | undefined;
      if (session) compile = await this.checkInSession(session);
      reusable = compile !== undefined;
      if (!compile) {
        await session?.close();
        session = undefined;
        compile = spec.compile ? await this.compile(host, spec, workDir, names) : { ok: true, output: '', timeMs: 0 };
      }
      const checked = compile;
      const mounts = this.mounts;
      const runOne = async (stdin: string, limits: Limits): Promise<RunResult> => {
        if (!checked.ok) return internalError('the program did not compile');
        const wallMs = limits.timeMs * 2 + spec.startupMs + 500;
        try {
          if (spec.harness && sameLimits(limits)) {
            if (!session?.alive) {
              await session?.close();
              session = await openSession();
            }
            if (session?.alive) return judge(spec, limits, await session.run(stdin, wallMs, outputCaps(limits)));
          }
          const outcome = await runSandboxed(host, mounts, {
            workDir,
            writable: false,
            argv: spec.run(names, files, limits.memoryMb, HOST_TOOLS),
            limits: { cpuMs: limits.timeMs, ...spec.runLimits(limits.memoryMb) },
            stdin,
            wallMs,
            caps: outputCaps(limits),
          });
          return judge(spec, limits, outcome);
        } catch (err) {
          return internalError(`sandbox failed to start: ${(err as Error).message}`);
        }
      };
      return {
        compile: checked,
        run(stdin: string, limits: Limits): Promise<RunResult> {
          const result = queue.then(() => runOne(stdin, limits));
          queue = result.catch(() => undefined);
          return result;
        },
        dispose,
      };
    } catch (err) {
      reusable = false;
      await dispose();
      throw err;
    }
  }

  /** an idle warm sandbox for `key`, taken out of the pool */
  private takeWarm(key: string): WarmSession | undefined {
    const list = this.warm.get(key);
    const slot = list?.pop();
    if (!slot) return undefined;
    if (list!.length === 0) this.warm.delete(key);
    this.warmCount--;
    clearTimeout(slot.timer);
    return slot;
  }

  private putWarm(key: string, slot: Pick<WarmSession, 'session' | 'workDir'>): void {
    // the runner closed while the program was being reset
    if (this.closing) {
      void retire(slot);
      return;
    }
    if (this.warmCount >= WARM_MAX) this.evictOldest();
    const timer = setTimeout(() => {
      const list = this.warm.get(key);
      const at = list?.findIndex((w) => w.session === slot.session) ?? -1;
      if (at < 0) return;
      list!.splice(at, 1);
      if (list!.length === 0) this.warm.delete(key);
      this.warmCount--;
      void retire(slot);
    }, WARM_IDLE_MS);
    timer.unref();
    const list = this.warm.get(key) ?? [];
    list.push({ ...slot, since: Date.now(), timer });
    this.warm.set(key, list);
    this.warmCount++;
  }

  private evictOldest(): void {
    let oldest: { key: string; at: number; since: number } | undefined;
    for (const [key, list] of this.warm) {
      list.forEach((w, at) => {
        if (!oldest || w.since < oldest.since) oldest = { key, at, since: w.since };
      });
    }
    if (!oldest) return;
    const list = this.warm.get(oldest.key)!;
    const [slot] = list.splice(oldest.at, 1);
    if (list.length === 0) this.warm.delete(oldest.key);
    this.warmCount--;
    clearTimeout(slot!.timer);
    void retire(slot!);
  }

  /** idle warm sandboxes, for specs and benches */
  warmSessions(): number {
    return this.warmCount;
  }

  /**
   * The syntax check as the harness's first process. Undefined (the caller runs the separate check
   * sandbox, with the compiler's own limits) when the check did not end by itself: a source that takes
   * more than the test's memory or output to compile is judged as before.
   */
  private async checkInSession(session: PythonSession): Promise<CompileResult | undefined> {
    const outcome = await session.check(COMPILE_LIMITS.timeMs * 1.5, COMPILE_LIMITS.timeMs, {
      keep: COMPILE_OUTPUT_KEEP_BYTES,
      hard: 4 * 1024 * 1024,
    });
    const s = outcome.status;
    if (!s || outcome.cpuKilled || outcome.memoryKilled || outcome.wallTimedOut || outcome.outputLimited || (outcome.usage?.ooms ?? 0) > 0)
      return undefined;
    // killed by a signal (RLIMIT_CPU of the tests' limits) or an exit the check does not make: judged by the separate check
    if (s.signal !== 0 || (s.exit !== 0 && s.exit !== 1)) return undefined;
    const text = (outcome.output.stdout.text() + outcome.output.stderr.text()).replaceAll('/box/', '');
    return { ok: s.exit === 0 && s.signal === 0, output: clip(text, COMPILE_OUTPUT_KEEP_BYTES), timeMs: Math.round(outcome.wallMs) };
  }

  private async compile(host: BwrapHost, spec: LanguageSpec, workDir: string, names: string[]): Promise<CompileResult> {
    const outcome = await runSandboxed(host, this.mounts, {
      workDir,
      writable: true,
      argv: spec.compile!(names, HOST_TOOLS),
      limits: { cpuMs: COMPILE_LIMITS.timeMs, ...spec.compileLimits },
      stdin: '',
      wallMs: COMPILE_LIMITS.timeMs * 1.5,
      caps: { keep: COMPILE_OUTPUT_KEEP_BYTES, hard: 4 * 1024 * 1024 },
    });
    const s = outcome.status;
    const timeMs = Math.round(outcome.wallMs);
    // the student sees their own file names, not the sandbox's mount point
    const text = (outcome.output.stdout.text() + outcome.output.stderr.text()).replaceAll('/box/', '');
    const cpuMs = Math.max((outcome.usage?.cpuUs ?? 0) / 1000, s?.cpuMs ?? 0);
    if (outcome.wallTimedOut || outcome.cpuKilled || cpuMs > COMPILE_LIMITS.timeMs)
      return { ok: false, output: clip(`compilation timed out\n${text}`, COMPILE_OUTPUT_KEEP_BYTES), timeMs };
    if (!s) throw new Error(`compiler sandbox failed: ${clip(text, 500)}`);
    if (s.setupErrno) throw new Error(`cannot start the compiler's sandbox (${s.setupStep}: errno ${s.setupErrno})`);
    if (outcome.memoryKilled || (outcome.usage?.ooms ?? 0) > 0)
      return { ok: false, output: clip(`the compiler ran out of memory\n${text}`, COMPILE_OUTPUT_KEEP_BYTES), timeMs };
    if (s.exit === 1 && bwrapFailed(text)) throw new Error(`compiler sandbox failed: ${clip(text, 500)}`);
    return { ok: s.exit === 0 && s.signal === 0, output: clip(text, COMPILE_OUTPUT_KEEP_BYTES), timeMs };
  }

  private async host(): Promise<BwrapHost> {
    this.helper ??= buildHelper();
    const helper = await this.helper;
    return { bwrap: this.bwrap, helper, runAs: runAsUser(), cgroups: this.isolation().manager };
  }

  async close(): Promise<void> {
    this.closing = true;
    const idle = [...this.warm.values()].flat();
    this.warm.clear();
    this.warmCount = 0;
    await Promise.all(
      idle.map((slot) => {
        clearTimeout(slot.timer);
        return retire(slot);
      }),
    );
    if (!this.helper) return;
    const helper = await this.helper.catch(() => undefined);
    if (helper?.temporary) await fsp.rm(helper.dir, { recursive: true, force: true });
  }
}

/** a warm sandbox no longer wanted: closed, its (empty) program directory removed */
async function retire(slot: Pick<WarmSession, 'session' | 'workDir'>): Promise<void> {
  await slot.session.close();
  await fsp.rm(slot.workDir, { recursive: true, force: true });
}

/** removes every entry of `dir`, keeping the directory (mounted in a warm sandbox) */
async function emptyDir(dir: string): Promise<void> {
  const names = await fsp.readdir(dir);
  await Promise.all(names.map((n) => fsp.rm(path.join(dir, n), { recursive: true, force: true })));
  if ((await fsp.readdir(dir)).length) throw new Error(`${dir} is not empty`);
}

/** bubblewrap's own complaint (it could not build the sandbox), as opposed to the program's output */
function bwrapFailed(stderr: string): boolean {
  return /^bwrap: /.test(stderr);
}

function failedProgram(compile: CompileResult): PreparedProgram {
  return {
    compile,
    run: async () => internalError('the program did not compile'),
    dispose: async () => {},
  };
}

/**
 * The verdict of one run. Time and memory come from the run's control group, read by the worker
 * after the run; gema-run's rusage (outside the sandbox too) is the figure only without control
 * groups, and otherwise a cross-check: the larger of the two is reported. The program's own exit code
 * or a message on its stderr can only make its verdict worse (runtime_error, memory_limit), never ok.
 */
export function judge(spec: LanguageSpec, limits: Limits, outcome: SandboxOutcome): RunResult {
  const s = outcome.status;
  const u = outcome.usage;
  const fields = outcome.output.fields();
  const cpuMs = Math.max((u?.cpuUs ?? 0) / 1000, s?.cpuMs ?? 0);
  const memoryKb = Math.round(Math.max((u?.peakBytes ?? 0) / 1024, s?.maxRssKb ?? 0));
  const judgedKb = spec.runLimits(limits.memoryMb).memoryMb * 1024;
  const figures = { timeMs: Math.round(cpuMs * 100) / 100, memoryKb };
  const base: RunResult = { ...fields, verdict: 'ok', exitCode: null, signal: null, ...figures };
  if (outcome.outputLimited) return { ...base, verdict: 'output_limit' };
  const memoryHit = outcome.memoryKilled || (u?.ooms ?? 0) > 0 || (!u && memoryKb > judgedKb);
  const timeHit = outcome.cpuKilled || outcome.wallTimedOut || cpuMs > limits.timeMs;
  if (!s) {
    if (memoryHit) return { ...base, verdict: 'memory_limit' };
    if (timeHit) return { ...base, verdict: 'time_limit' };
    return { ...internalError('the sandbox ended without a status'), ...fields, ...figures };
  }
  if (s.setupErrno) return { ...internalError(`cannot start the sandbox (${s.setupStep}: errno ${s.setupErrno})`), ...fields };
  if (s.exit === 1 && bwrapFailed(fields.stderr) && !memoryHit && !timeHit)
    return { ...internalError(`bubblewrap failed: ${fields.stderr.slice(0, 500)}`), ...fields };

  // bubblewrap passes the program's exit code on, and 128 + N when a signal N killed it
  const signalNumber = s.signal || (s.exit > 128 && SIGNAL_NAMES.has(s.exit - 128) ? s.exit - 128 : 0);
  const result: RunResult = {
    ...base,
    exitCode: signalNumber ? null : s.exit,
    signal: signalNumber ? (SIGNAL_NAMES.get(signalNumber) ?? `SIG${signalNumber}`) : null,
  };
  const failed = s.exit !== 0 || s.signal !== 0;
  if (memoryHit) result.verdict = 'memory_limit';
  else if (timeHit || signalNumber === SIGXCPU) result.verdict = 'time_limit';
  else if (failed && (spec.outOfMemory.test(fields.stderr) || spec.outOfMemory.test(fields.stdout))) result.verdict = 'memory_limit';
  else if (failed) result.verdict = 'runtime_error';
  return result;
}
