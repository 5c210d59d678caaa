import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createSandbox, type Sandbox } from '../../worker/sandbox';
import { LANGUAGES, type Language, type Limits, type PreparedProgram, type RunResult } from '../../worker/sandbox/types';
import { dockerReachable } from '../../worker/sandbox/docker/probe';
import { program, type Case } from './programs';
import { compareOutput } from '../../common/grading/compare';

/**
 * The same cases on every backend and language this machine can run. A backend or language that is
 * not available is skipped with the reason printed, never silently passed.
 */
const LIMITS: Limits = { timeMs: 1000, memoryMb: 128 };
/** for the cases that run into a limit anyway: keeps the suite quick */
const SHORT: Limits = { timeMs: 500, memoryMb: 128 };
const repoRoot = path.resolve(__dirname, '..', '..');

interface Backend {
  label: string;
  make(): Sandbox;
  /** undefined when usable, else why not */
  unavailable(): Promise<string | undefined>;
}

const backends: Backend[] = [
  {
    label: 'default backends (isolated-vm, bubblewrap)',
    make: () => createSandbox({ backend: 'auto' }),
    unavailable: async () => undefined,
  },
  {
    label: 'docker backend',
    make: () => createSandbox({ backend: 'docker', dockerHost: process.env.DOCKER_HOST }),
    unavailable: async () =>
      (await dockerReachable(process.env.DOCKER_HOST)) ? undefined : 'no Docker engine reachable (DOCKER_HOST / /var/run/docker.sock)',
  },
];

function note(text: string) {
  process.stdout.write(`      (skipped: ${text})\n`);
}

for (const backend of backends) {
  describe(`sandbox conformance: ${backend.label}`, function () {
    this.timeout(60_000);
    let sandbox: Sandbox | undefined;

    before(async function () {
      const reason = await backend.unavailable();
      if (reason) {
        note(reason);
        this.skip();
      }
      sandbox = backend.make();
    });
    after(async () => sandbox?.close());

    for (const language of LANGUAGES) {
      describe(language, function () {
        const open: PreparedProgram[] = [];

        before(function () {
          const why = sandbox?.unavailableReason(language);
          if (why) {
            note(`${language}: ${why}`);
            this.skip();
          }
        });
        afterEach(async () => {
          await Promise.all(open.splice(0).map((p) => p.dispose()));
        });

        /** prepares a case's program; skips the test when the language cannot express the case */
        async function prepared(ctx: Mocha.Context, name: Case, limits: Limits = LIMITS): Promise<PreparedProgram> {
          const files = program(language, name);
          if (!files) {
            note(
              `${language} has no program for "${name}" (${language === 'javascript' ? 'no filesystem, processes or sockets exist in the isolate' : 'the same sandbox and limits as C and Python, which run it'})`,
            );
            ctx.skip();
          }
          const prog = await sandbox!.runnerFor(language).prepare(language, files!, limits);
          open.push(prog);
          return prog;
        }
        async function run(ctx: Mocha.Context, name: Case, stdin = '', limits: Limits = LIMITS): Promise<RunResult> {
          const prog = await prepared(ctx, name, limits);
          expect(prog.compile.ok, prog.compile.output).to.equal(true);
          return prog.run(stdin, limits);
        }

        it('prints hello world', async function () {
          const r = await run(this, 'hello');
          expect(r.verdict, r.stderr).to.equal('ok');
          expect(r.stdout).to.equal('Hello, World!\n');
          expect(r.exitCode).to.equal(0);
        });

        it('echoes its stdin', async function () {
          const r = await run(this, 'echo', 'line one\nline two\n');
          expect(r.verdict, r.stderr).to.equal('ok');
          expect(r.stdout).to.equal('line one\nline two\n');
        });

        it('returns the stdout of a wrong answer as printed, for the grader to compare', async function () {
          const r = await run(this, 'wrongAnswer');
          expect(r.verdict).to.equal('ok');
          expect(r.stdout).to.equal('41\n');
          const outcome = compareOutput('42\n', r.stdout, { comparison: 'trim' });
          expect(outcome.ok).to.equal(false);
          expect(outcome.diff).to.include('Line 1: expected "42", got "41"');
        });

        it('stops an infinite loop with time_limit', async function () {
          const r = await run(this, 'infiniteLoop', '', SHORT);
          expect(r.verdict).to.equal('time_limit');
        });

        it('stops a program allocating 1 GB with memory_limit', async function () {
          const r = await run(this, 'allocate1G');
          expect(r.verdict, `${r.stdout} ${r.stderr}`).to.equal('memory_limit');
        });

        it('contains a fork bomb: the run ends, no process of it survives, and the next run works', async function () {
          const before = processCount();
          const watch = watchSandboxNamespaces();
          const r = await run(this, 'forkBomb', '', SHORT);
          const namespaces = watch.stop();
          expect(r.verdict).to.not.equal('ok');
          expect(r.verdict).to.not.equal('internal_error');
          // the kernel tears the PID namespace down as the run ends; give it a moment to reap
          const settle = async (alive: () => boolean) => {
            for (let i = 0; i < 20 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
          };
          if (namespaces.size > 0) {
            // the sandbox's own PID namespace is known: nothing may be left in it, whatever else
            // (other test runs on the machine) starts or stops meanwhile
            await settle(() => survivorsIn(namespaces).length > 0);
            expect(survivorsIn(namespaces)).to.deep.equal([]);
          } else {
            // Docker's processes are the engine's children, not ours: count the host's instead
            expect(backend.label).to.equal('docker backend');
            await settle(() => processCount() > before + 2);
            expect(processCount()).to.be.at.most(before + 2);
          }
          const next = await run(this, 'hello');
          expect(next.stdout).to.equal('Hello, World!\n');
        });

        it('cannot write outside its work directory', async function () {
          const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-canary-'));
          try {
            const targets = [path.join(hostDir, 'pwned'), path.join(repoRoot, 'pwned'), '/usr/pwned', '/etc/pwned'];
            const r = await run(this, 'writeOutside', targets.join('\n'));
            expect(r.stdout).to.not.include('ESCAPED');
            expect(r.stdout).to.include('blocked');
            for (const t of targets) expect(fs.existsSync(t), t).to.equal(false);
          } finally {
            fs.rmSync(hostDir, { recursive: true, force: true });
          }
        });

        it('cannot open a network connection, even to a port listening on the host', async function () {
          let connections = 0;
          const server = net.createServer((s) => {
            connections++;
            s.destroy();
          });
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          try {
            const port = (server.address() as net.AddressInfo).port;
            const r = await run(this, 'socket', `${port}\n`);
            expect(r.stdout).to.not.include('ESCAPED');
            expect(r.stdout).to.include('blocked');
            expect(connections).to.equal(0);
          } finally {
            await new Promise((resolve) => server.close(resolve));
          }
        });

        it("cannot read /etc/shadow, the worker's environment or the app's .env", async function () {
          const envCanary = `env-canary-${crypto.randomBytes(8).toString('hex')}`;
          const fileCanary = `file-canary-${crypto.randomBytes(8).toString('hex')}`;
          const dotenv = path.join(repoRoot, `.env.sandbox-canary-${process.pid}`);
          process.env.GEMA_SANDBOX_CANARY = envCanary;
          fs.writeFileSync(dotenv, `JWT_SECRET=${fileCanary}\n`);
          try {
            const paths = ['/etc/shadow', dotenv, path.join(process.cwd(), '.env'), `/proc/${process.pid}/environ`];
            const r = await run(this, 'readSecrets', paths.join('\n'));
            const seen = r.stdout + r.stderr;
            expect(seen).to.not.include(envCanary);
            expect(seen).to.not.include(fileCanary);
            expect(seen).to.not.match(/root:[^:\n]*:\d+:/);
          } finally {
            delete process.env.GEMA_SANDBOX_CANARY;
            fs.rmSync(dotenv, { force: true });
          }
        });

        it('never follows a symlink the program planted in its work directory', async function () {
          const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-canary-'));
          const secret = `secret-${crypto.randomBytes(8).toString('hex')}`;
          fs.writeFileSync(path.join(hostDir, 'secret.txt'), secret);
          try {
            const prog = await prepared(this, 'plantSymlink');
            const r = await prog.run([hostDir, path.join(hostDir, 'secret.txt')].join('\n'), LIMITS);
            expect(r.verdict, r.stderr).to.equal('ok');
            expect(r.stdout + r.stderr).to.not.include(secret);
            await prog.dispose();
            // cleanup removed the links, not what they point to
            expect(fs.readFileSync(path.join(hostDir, 'secret.txt'), 'utf8')).to.equal(secret);
          } finally {
            fs.rmSync(hostDir, { recursive: true, force: true });
          }
        });

        it('keeps the first 64 KB of 1 MB of output and reports it truncated, not failed', async function () {
          const r = await run(this, 'print1M');
          expect(r.verdict).to.equal('ok');
          expect(r.stdoutTruncated).to.equal(true);
          expect(Buffer.byteLength(r.stdout)).to.equal(64 * 1024);
        });

        it('keeps the first 64 KB of 10 MB of output with the default caps and reports it truncated, not failed', async function () {
          const r = await run(this, 'print10M', '', { ...LIMITS, timeMs: 5000 });
          expect(r.verdict).to.equal('ok');
          expect(r.stdoutTruncated).to.equal(true);
          expect(Buffer.byteLength(r.stdout)).to.equal(64 * 1024);
        });

        it('stops 10 MB of output with output_limit past a hard cap set to 8 MB', async function () {
          const r = await run(this, 'print10M', '', { ...LIMITS, timeMs: 5000, outputHardBytes: 8 * 1024 * 1024 });
          expect(r.verdict).to.equal('output_limit');
          expect(r.stdoutTruncated).to.equal(true);
          expect(Buffer.byteLength(r.stdout)).to.equal(64 * 1024);
        });

        it("reports a compile error with the compiler's message", async function () {
          const prog = await prepared(this, 'compileError');
          expect(prog.compile.ok).to.equal(false);
          expect(prog.compile.output).to.match(compilerMessage[language]);
        });

        it('reports an uncaught exception as runtime_error with the exit code or signal', async function () {
          const r = await run(this, 'uncaught');
          expect(r.verdict).to.equal('runtime_error');
          const failed = (r.exitCode !== null && r.exitCode !== 0) || r.signal !== null;
          expect(failed, `exit ${r.exitCode} signal ${r.signal}`).to.equal(true);
          expect(r.stderr).to.match(crashMessage[language]);
        });

        it('compiles once and runs many times with different stdin', async function () {
          const prog = await prepared(this, 'sumLine');
          expect(prog.compile.ok, prog.compile.output).to.equal(true);
          const outputs: string[] = [];
          for (const stdin of ['1 2 3\n', '10 20\n', '-5 5\n']) outputs.push((await prog.run(stdin, LIMITS)).stdout);
          expect(outputs).to.deep.equal(['6\n', '30\n', '0\n']);
        });
      });
    }
  });
}

const compilerMessage: Record<Language, RegExp> = {
  javascript: /SyntaxError/,
  python: /SyntaxError/,
  // gcc quotes with ‘’ in a UTF-8 locale
  c: /error: expected .;. before .return./,
  cpp: /error: .undefined_name. was not declared/,
  java: /error: incompatible types/,
};

const crashMessage: Record<Language, RegExp> = {
  javascript: /Error: boom at 2/,
  python: /ValueError: boom at 2/,
  c: /about to crash/,
  cpp: /boom/,
  java: /IllegalStateException: boom/,
};

function processCount(): number {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).length;
}

const pids = () =>
  fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
const pidNamespace = (pid: number | 'self'): string | undefined => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
};

/** Samples, while a run goes on, the PID namespaces (other than ours) that this process's descendants live in. */
function watchSandboxNamespaces(): { stop(): Set<string> } {
  const own = pidNamespace('self');
  const seen = new Set<string>();
  const sample = () => {
    const parent = new Map<number, number>();
    for (const pid of pids()) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        // gone meanwhile
      }
    }
    for (const pid of parent.keys()) {
      let up = parent.get(pid);
      for (let hops = 0; up && up !== process.pid && hops < 64; hops++) up = parent.get(up);
      if (up !== process.pid) continue;
      const ns = pidNamespace(pid);
      if (ns && ns !== own) seen.add(ns);
    }
  };
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      return seen;
    },
  };
}

/** Processes still alive in any of these PID namespaces. */
function survivorsIn(namespaces: Set<string>): number[] {
  return pids().filter((pid) => {
    const ns = pidNamespace(pid);
    return ns !== undefined && namespaces.has(ns);
  });
}
