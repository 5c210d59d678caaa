import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CompileResult, Language, Limits, PreparedProgram, RunResult, Runner, SourceFile } from '../types';
import { clip, COMPILE_LIMITS, COMPILE_OUTPUT_KEEP_BYTES, internalError, outputCaps } from '../limits';
import { buildHelper, type BuiltHelper } from './helper';
import { HOST_TOOLS, LANGUAGE_SPECS, type LanguageSpec } from './languages';
import { rootMounts, runSandboxed, type BwrapHost, type SandboxOutcome } from './spawn';
import { validFileName } from '../files';

const NOBODY = 65534;
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
  if (!['/usr/bin/cc', '/usr/bin/gcc', '/usr/bin/clang'].some((cc) => fs.existsSync(cc))) {
    return (probed = { ok: false, reason: 'no C compiler to build the sandbox helper' });
  }
  const args = ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session', '--uid', `${NOBODY}`, '--gid', `${NOBODY}`];
  const res = spawnSync(bwrap, [...args, ...rootMounts(), '--proc', '/proc', '--dev', '/dev', '--', '/usr/bin/true'], {
    timeout: 10_000,
    env: {},
    ...(runAsUser() ?? {}),
  });
  if (res.status === 0) return (probed = { ok: true });
  const why = res.error?.message ?? (res.stderr?.toString().trim() || `exit ${res.status ?? res.signal}`);
  return (probed = { ok: false, reason: `bubblewrap cannot create a sandbox here: ${why}` });
}

/** As root, bwrap runs as `nobody` so the sandbox's user is unprivileged on the host too (RLIMIT_NPROC applies). */
function runAsUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : undefined;
}

/**
 * python, c, cpp and java in bubblewrap. A prepared program is a host temp directory: sources and
 * the compiler's output. It is writable only while compiling; every run mounts it read-only and
 * gets a fresh tmpfs as its working directory, so one test cannot leave anything for the next.
 */
export class BwrapRunner implements Runner {
  readonly name = 'bwrap' as const;
  private helper?: Promise<BuiltHelper>;
  private readonly mounts = rootMounts();

  constructor(private readonly bwrap = '/usr/bin/bwrap') {}

  /** why `language` cannot run in bubblewrap here, or undefined */
  unavailableReason(language: Language): string | undefined {
    const spec = LANGUAGE_SPECS[language];
    if (!spec) return `bubblewrap does not run ${language}`;
    const probe = probeBwrap(this.bwrap);
    if (!probe.ok) return probe.reason;
    const missing = spec.toolchain.filter((tool) => !fs.existsSync(tool));
    return missing.length ? `toolchain not installed: ${missing.join(', ')}` : undefined;
  }

  supports(language: Language): boolean {
    return this.unavailableReason(language) === undefined;
  }

  async prepare(language: Language, files: SourceFile[], _limits: Limits): Promise<PreparedProgram> {
    const spec = LANGUAGE_SPECS[language];
    if (!spec || !this.supports(language)) throw new Error(`bubblewrap cannot run ${language} here`);
    const host = await this.host();
    const bad = files.find((f) => !validFileName(f.name));
    if (files.length === 0 || bad) {
      return failedProgram({ ok: false, output: bad ? `invalid file name: ${JSON.stringify(bad.name)}` : 'no source files', timeMs: 0 });
    }
    const names = files.map((f, i) => spec.fileName(f, i));
    if (new Set(names).size !== names.length) return failedProgram({ ok: false, output: 'two files have the same name', timeMs: 0 });

    const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gema-box-'));
    const dispose = () => fsp.rm(workDir, { recursive: true, force: true });
    try {
      await fsp.chmod(workDir, 0o755);
      if (host.runAs) await fsp.chown(workDir, host.runAs.uid, host.runAs.gid);
      // 'wx': a fresh directory, but never write through anything already there
      await Promise.all(files.map((f, i) => fsp.writeFile(path.join(workDir, names[i]!), f.content, { flag: 'wx', mode: 0o644 })));
      const compile = spec.compile ? await this.compile(host, spec, workDir, names) : { ok: true, output: '', timeMs: 0 };
      const mounts = this.mounts;
      return {
        compile,
        async run(stdin: string, limits: Limits): Promise<RunResult> {
          if (!compile.ok) return internalError('the program did not compile');
          try {
            const outcome = await runSandboxed(host, mounts, {
              workDir,
              writable: false,
              argv: spec.run(names, files, limits.memoryMb, HOST_TOOLS),
              limits: { cpuMs: limits.timeMs, ...spec.runLimits(limits.memoryMb) },
              stdin,
              wallMs: limits.timeMs * 2 + spec.startupMs + 500,
              caps: outputCaps(limits),
            });
            return judge(spec, limits, outcome);
          } catch (err) {
            return internalError(`sandbox failed to start: ${(err as Error).message}`);
          }
        },
        dispose,
      };
    } catch (err) {
      await dispose();
      throw err;
    }
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
    if (outcome.wallTimedOut || (s && s.cpuMs > COMPILE_LIMITS.timeMs)) return { ok: false, output: clip(`compilation timed out\n${text}`, COMPILE_OUTPUT_KEEP_BYTES), timeMs };
    if (!s) throw new Error(`compiler sandbox failed (bwrap exit ${outcome.bwrapCode}): ${clip(text, 500)}`);
    if (s.execErrno) throw new Error(`cannot execute the compiler (errno ${s.execErrno})`);
    if (s.rssKilled) return { ok: false, output: clip(`the compiler ran out of memory\n${text}`, COMPILE_OUTPUT_KEEP_BYTES), timeMs };
    return { ok: s.exit === 0 && s.signal === 0, output: clip(text, COMPILE_OUTPUT_KEEP_BYTES), timeMs };
  }

  private async host(): Promise<BwrapHost> {
    this.helper ??= buildHelper();
    const helper = await this.helper;
    return { bwrap: this.bwrap, helperDir: helper.dir, runAs: runAsUser() };
  }

  async close(): Promise<void> {
    if (!this.helper) return;
    const helper = await this.helper.catch(() => undefined);
    if (helper) await fsp.rm(helper.dir, { recursive: true, force: true });
  }
}

function failedProgram(compile: CompileResult): PreparedProgram {
  return {
    compile,
    run: async () => internalError('the program did not compile'),
    dispose: async () => {},
  };
}

/** The verdict of one run from what the sandbox and the helper saw. */
export function judge(spec: LanguageSpec, limits: Limits, outcome: SandboxOutcome): RunResult {
  const s = outcome.status;
  const fields = outcome.output.fields();
  const base = { ...fields, exitCode: null, signal: null, timeMs: Math.round(outcome.wallMs), memoryKb: 0 };
  if (outcome.outputLimited) return { ...base, verdict: 'output_limit', timeMs: Math.round(s?.cpuMs ?? outcome.wallMs), memoryKb: s?.rssKb ?? 0 };
  if (!s) {
    if (outcome.wallTimedOut) return { ...base, verdict: 'time_limit' };
    return { ...internalError(`the sandbox ended without a status (bwrap exit ${outcome.bwrapCode}): ${fields.stderr.slice(0, 500)}`), ...fields };
  }
  if (s.execErrno) return { ...internalError(`cannot execute the program (errno ${s.execErrno})`), ...fields };

  const signal = s.signal ? (SIGNAL_NAMES.get(s.signal) ?? `SIG${s.signal}`) : null;
  const result: RunResult = {
    ...fields,
    verdict: 'ok',
    exitCode: s.signal ? null : s.exit,
    signal,
    timeMs: Math.round(s.cpuMs * 100) / 100,
    memoryKb: s.rssKb,
  };
  const failed = s.exit !== 0 || s.signal !== 0;
  // the JVM's RSS includes its own overhead: Java is judged by -Xmx (OutOfMemoryError) and the RSS cap
  const overRss = spec.runLimits(limits.memoryMb).asMb > 0 && s.rssKb > limits.memoryMb * 1024;
  if (s.rssKilled) result.verdict = 'memory_limit';
  else if (s.cpuKilled || outcome.wallTimedOut || s.signal === SIGXCPU || s.cpuMs > limits.timeMs) result.verdict = 'time_limit';
  else if (failed && (overRss || spec.outOfMemory.test(fields.stderr) || spec.outOfMemory.test(fields.stdout))) result.verdict = 'memory_limit';
  else if (failed) result.verdict = 'runtime_error';
  else if (overRss) result.verdict = 'memory_limit';
  return result;
}
