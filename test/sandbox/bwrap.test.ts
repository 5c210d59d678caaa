import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sweepStale } from '../../worker/sandbox/bwrap/helper';
import { BwrapRunner, judge } from '../../worker/sandbox/bwrap/runner';
import { LANGUAGE_SPECS } from '../../worker/sandbox/bwrap/languages';
import type { SandboxOutcome } from '../../worker/sandbox/bwrap/spawn';
import { OutputCapture } from '../../worker/sandbox/limits';
import type { Limits, PreparedProgram } from '../../worker/sandbox/types';

const LIMITS: Limits = { timeMs: 2000, memoryMb: 128 };

describe('bubblewrap runner', function () {
  this.timeout(30_000);
  const runner = new BwrapRunner();
  const open: PreparedProgram[] = [];

  before(function () {
    const why = runner.unavailableReason('python');
    if (why) {
      process.stdout.write(`      (skipped: ${why})\n`);
      this.skip();
    }
  });
  afterEach(async () => Promise.all(open.splice(0).map((p) => p.dispose())));
  after(() => runner.close());

  async function python(code: string, stdin = '') {
    const prog = await runner.prepare('python', [{ name: 'main.py', content: code }], LIMITS);
    open.push(prog);
    expect(prog.compile.ok, prog.compile.output).to.equal(true);
    return prog.run(stdin, LIMITS);
  }

  it('runs the program as an unprivileged user with only loopback networking and no /etc/passwd', async () => {
    const r = await python(
      `import os\nprint(os.getuid(), os.getgid(), os.path.exists("/etc/passwd"), os.path.exists("/home"), sorted(os.listdir("/sys/class/net")) if os.path.exists("/sys") else "no /sys")`,
    );
    expect(r.stdout).to.equal('65534 65534 False False no /sys\n');
  });

  it('gives the program no environment but its own minimal one', async () => {
    const r = await python(`import os\nprint(sorted(os.environ))`);
    expect(r.stdout).to.equal("['HOME', 'LANG', 'LC_ALL', 'PATH', 'PWD', 'TMPDIR']\n");
  });

  it('closes the status descriptor and every other inherited one before the program starts, so it cannot forge its measurements', async () => {
    const r = await python(
      `import os\nprint(sorted(int(fd) for fd in os.listdir("/proc/self/fd")))\ntry:\n    os.write(3, b"exit=0 signal=0 rss_kb=1\\n")\n    print("forged")\nexcept OSError as e:\n    print(e.errno)`,
    );
    // 3 is listdir's own descriptor; writing to it as a status line fails
    expect(r.stdout).to.equal('[0, 1, 2, 3]\n9\n');
  });

  it('mounts the program read-only during runs, so it cannot change itself for the next test', async () => {
    const code = `print("original")\ntry:\n    open(__file__, "a").write("\\nprint('tampered')\\n")\nexcept OSError as e:\n    print("refused")`;
    const prog = await runner.prepare('python', [{ name: 'main.py', content: code }], LIMITS);
    open.push(prog);
    expect((await prog.run('', LIMITS)).stdout).to.equal('original\nrefused\n');
    expect((await prog.run('', LIMITS)).stdout).to.equal('original\nrefused\n');
  });

  it('gives every run a fresh working directory, so one test leaves nothing for the next', async () => {
    const prog = await runner.prepare(
      'python',
      [{ name: 'main.py', content: `import os\nprint(os.path.exists("state"))\nopen("state", "w").write("x")` }],
      LIMITS,
    );
    open.push(prog);
    expect((await prog.run('', LIMITS)).stdout).to.equal('False\n');
    expect((await prog.run('', LIMITS)).stdout).to.equal('False\n');
  });

  it('bounds the files a program can write to its tmpfs', async () => {
    const r = await python(
      `n = 0\ntry:\n    for i in range(200):\n        open("f%d" % i, "wb").write(b"x" * (1 << 20))\n        n += 1\nexcept OSError as e:\n    print("stopped", e.errno)\nprint(n < 200)`,
    );
    expect(r.stdout).to.match(/^stopped \d+\nTrue\n$/);
  });

  it('runs the same prepared program in parallel sandboxes', async () => {
    const prog = await runner.prepare('python', [{ name: 'main.py', content: 'print(int(input()) * 2)' }], LIMITS);
    open.push(prog);
    const results = await Promise.all(['1', '2', '3', '4'].map((n) => prog.run(`${n}\n`, LIMITS)));
    expect(results.map((r) => r.stdout)).to.deep.equal(['2\n', '4\n', '6\n', '8\n']);
  });

  const forkN = (n: number) =>
    `import os, time\nkids, failed = [], 0\nfor i in range(${n}):\n    try:\n        pid = os.fork()\n    except OSError:\n        failed += 1\n        continue\n    if pid == 0:\n        time.sleep(0.5)\n        os._exit(0)\n    kids.append(pid)\nfor k in kids:\n    os.waitpid(k, 0)\nprint(len(kids), failed)`;

  it("caps the processes of one program (its control group's pids limit)", async () => {
    const r = await python(forkN(60));
    const [started, failed] = r.stdout.trim().split(' ').map(Number);
    expect(started).to.be.below(32);
    expect(failed).to.be.above(0);
  });

  it('counts the process limit per sandbox, so parallel runs do not starve each other', async () => {
    const prog = await runner.prepare('python', [{ name: 'main.py', content: forkN(20) }], LIMITS);
    open.push(prog);
    const results = await Promise.all([1, 2, 3].map(() => prog.run('', LIMITS)));
    expect(results.map((r) => r.stdout)).to.deep.equal(['20 0\n', '20 0\n', '20 0\n']);
  });

  it('lets the Python entry file import the other files', async () => {
    const prog = await runner.prepare(
      'python',
      [
        { name: 'main.py', content: 'from geometry import area\nprint(area(3, 4))' },
        { name: 'geometry.py', content: 'def area(w, h):\n    return w * h' },
      ],
      LIMITS,
    );
    open.push(prog);
    expect(prog.compile.ok, prog.compile.output).to.equal(true);
    expect((await prog.run('', LIMITS)).stdout).to.equal('12\n');
  });

  it('compiles every C file of a submission together, with its headers', async function () {
    if (runner.unavailableReason('c')) this.skip();
    const prog = await runner.prepare(
      'c',
      [
        { name: 'main.c', content: '#include <stdio.h>\n#include "util.h"\nint main(void) { printf("%d\\n", twice(21)); return 0; }' },
        { name: 'util.h', content: 'int twice(int x);' },
        { name: 'util.c', content: '#include "util.h"\nint twice(int x) { return 2 * x; }' },
      ],
      LIMITS,
    );
    open.push(prog);
    expect(prog.compile.ok, prog.compile.output).to.equal(true);
    expect((await prog.run('', LIMITS)).stdout).to.equal('42\n');
  });

  it('removes the work directory on dispose', async () => {
    const prog = await runner.prepare('python', [{ name: 'main.py', content: 'print(1)' }], LIMITS);
    const dir = fs.readdirSync('/tmp').filter((d) => d.startsWith('gema-box-'));
    await prog.dispose();
    const after = fs.readdirSync('/tmp').filter((d) => d.startsWith('gema-box-'));
    expect(after.length).to.equal(dir.length - 1);
  });

  it('answers a file name with a directory in it with a compile error, writing nothing', async () => {
    const prog = await runner.prepare('python', [{ name: '../escape.py', content: 'print(1)' }], LIMITS);
    expect(prog.compile.ok).to.equal(false);
    expect(prog.compile.output).to.match(/invalid file name/);
  });

  it('names the Java entry file after its public class, whatever the student called it', async function () {
    if (runner.unavailableReason('java')) this.skip();
    const prog = await runner.prepare(
      'java',
      [{ name: 'solution.java', content: 'public class Greeter { public static void main(String[] a) { System.out.println("hi"); } }' }],
      LIMITS,
    );
    open.push(prog);
    expect(prog.compile.ok, prog.compile.output).to.equal(true);
    expect((await prog.run('', LIMITS)).stdout).to.equal('hi\n');
  });

  it("shows compiler messages with the student's file names, not the sandbox paths", async function () {
    if (runner.unavailableReason('c')) this.skip();
    const prog = await runner.prepare('c', [{ name: 'main.c', content: 'int main(void) { return x; }' }], LIMITS);
    open.push(prog);
    expect(prog.compile.output).to.match(/^main\.c:/m);
    expect(prog.compile.output).to.not.include('/box/');
  });

  it('stops one file at the file-size limit (RLIMIT_FSIZE), well before the tmpfs is full', async () => {
    const r = await python(
      `try:\n    with open("big", "wb") as f:\n        f.write(b"x" * (20 << 20))\n    print("wrote")\nexcept OSError as e:\n    print("stopped", e.errno)`,
    );
    // Python ignores SIGXFSZ, so the kernel's answer shows as EFBIG (27)
    expect(r.stdout).to.equal('stopped 27\n');
  });

  it('caps the open files of a program (RLIMIT_NOFILE)', async () => {
    const r = await python(
      `import errno\nfiles = []\ntry:\n    for i in range(500):\n        files.append(open("/dev/null"))\nexcept OSError as e:\n    print(len(files) < 100, e.errno == errno.EMFILE)`,
    );
    expect(r.stdout).to.equal('True True\n');
  });

  it('ends a program that sleeps on the wall clock with time_limit, killing the process it left behind too', async () => {
    const marker = `gema-sleeper-${process.pid}-${Date.now()}`;
    const code = `import os, sys, time\nif os.fork() == 0:\n    os.setsid()\n    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "${marker}"])\ntime.sleep(600)`;
    const r = await python(code);
    expect(r.verdict).to.equal('time_limit');
    const survivors = () =>
      fs.readdirSync('/proc').filter((pid) => {
        try {
          return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    // the PID namespace is torn down as its init dies; give the kernel a moment to reap
    for (let i = 0; i < 20 && survivors().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(survivors()).to.deep.equal([]);
  });

  it('reports peak memory of a run in KB', async () => {
    const r = await python(`b = bytearray(50 * 1024 * 1024)\nprint(len(b))`);
    expect(r.verdict).to.equal('ok');
    expect(r.memoryKb).to.be.greaterThan(50 * 1024);
  });
});

describe('bubblewrap leftovers', () => {
  it('removes sandbox directories older than six hours from the temp directory, and keeps recent ones', async () => {
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-box-'));
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-box-'));
    const past = new Date(Date.now() - 7 * 3600 * 1000);
    fs.utimesSync(old, past, past);
    try {
      await sweepStale();
      expect(fs.existsSync(old)).to.equal(false);
      expect(fs.existsSync(fresh)).to.equal(true);
    } finally {
      fs.rmSync(old, { recursive: true, force: true });
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('bubblewrap runner without control groups', function () {
  this.timeout(30_000);
  const none = { level: 'none' as const, reason: 'no cgroup filesystem is mounted' };

  it('refuses python, c, cpp and java with the reason', () => {
    const runner = new BwrapRunner({ isolation: none });
    for (const language of ['python', 'c', 'cpp', 'java'] as const) {
      expect(runner.unavailableReason(language)).to.match(
        /no control groups to limit and measure untrusted code \(no cgroup filesystem is mounted\).*SANDBOX_ALLOW_WEAK_ISOLATION=true \(unsafe\)/,
      );
    }
  });

  it('runs them with SANDBOX_ALLOW_WEAK_ISOLATION, judged from the supervisor outside the sandbox', async function () {
    const runner = new BwrapRunner({ isolation: none, allowWeakIsolation: true });
    const why = runner.unavailableReason('python');
    if (why) {
      process.stdout.write(`      (skipped: ${why})\n`);
      this.skip();
    }
    const prog = await runner.prepare('python', [{ name: 'main.py', content: 'keep = b"x" * (200 << 20)\nprint(len(keep))' }], LIMITS);
    try {
      const small = await runner.prepare(
        'python',
        [{ name: 'main.py', content: 'import time\nwhile time.process_time() < 0.1: pass\nprint("ok")' }],
        LIMITS,
      );
      const ok = await small.run('', LIMITS);
      expect(ok.verdict).to.equal('ok');
      expect(ok.timeMs).to.be.at.least(100);
      await small.dispose();
      expect((await prog.run('', LIMITS)).verdict).to.equal('memory_limit');
    } finally {
      await prog.dispose();
      await runner.close();
    }
  });

  it('caps the processes of one run inside its own user namespace (RLIMIT_NPROC through prlimit), so runs do not share the count', async function () {
    const runner = new BwrapRunner({ isolation: none, allowWeakIsolation: true });
    if (runner.unavailableReason('python')) this.skip();
    const code = `import os, time\nkids, failed = [], 0\nfor i in range(60):\n    try:\n        pid = os.fork()\n    except OSError:\n        failed += 1\n        continue\n    if pid == 0:\n        time.sleep(0.5)\n        os._exit(0)\n    kids.append(pid)\nfor k in kids:\n    os.waitpid(k, 0)\nprint(len(kids), failed)`;
    const prog = await runner.prepare('python', [{ name: 'main.py', content: code }], LIMITS);
    try {
      const results = await Promise.all([1, 2].map(() => prog.run('', LIMITS)));
      for (const r of results) {
        const [started, failed] = r.stdout.trim().split(' ').map(Number);
        expect(started).to.be.above(20);
        expect(started).to.be.below(32);
        expect(failed).to.be.above(0);
      }
    } finally {
      await prog.dispose();
      await runner.close();
    }
  });
});

describe('judging a bubblewrap run: the control group decides, the supervisor cross-checks', () => {
  const spec = LANGUAGE_SPECS.python!;
  const outcome = (over: Partial<SandboxOutcome>): SandboxOutcome => {
    const output = new OutputCapture({ keep: 1024, hard: 4096 });
    output.stdout.push('42\n');
    return {
      output,
      status: { exit: 0, signal: 0, cpuMs: 1, maxRssKb: 1000, setupErrno: 0, setupStep: '-' },
      usage: { cpuUs: 5_000, peakBytes: 8 * 1024 * 1024, ooms: 0 },
      wallTimedOut: false,
      outputLimited: false,
      cpuKilled: false,
      memoryKilled: false,
      wallMs: 20,
      ...over,
    };
  };

  it('reports the larger of the group and the supervisor figures', () => {
    const r = judge(spec, LIMITS, outcome({}));
    expect(r.verdict).to.equal('ok');
    expect(r.timeMs).to.equal(5);
    expect(r.memoryKb).to.equal(8 * 1024);
  });

  it('answers time_limit from the group CPU time, whatever a clean exit and 1 ms say', () => {
    const r = judge(spec, LIMITS, outcome({ usage: { cpuUs: 3_600_000, peakBytes: 1024 * 1024, ooms: 0 } }));
    expect(r.verdict).to.equal('time_limit');
    expect(r.timeMs).to.equal(3600);
  });

  it("answers memory_limit from the group's out-of-memory event, whatever the exit says", () => {
    expect(judge(spec, LIMITS, outcome({ usage: { cpuUs: 1000, peakBytes: 150 * 1024 * 1024, ooms: 1 } })).verdict).to.equal('memory_limit');
  });

  it('names a signal bubblewrap passed on as 128 + N', () => {
    const r = judge(spec, LIMITS, outcome({ status: { exit: 139, signal: 0, cpuMs: 1, maxRssKb: 1, setupErrno: 0, setupStep: '-' } }));
    expect(r.verdict).to.equal('runtime_error');
    expect(r.signal).to.equal('SIGSEGV');
    expect(r.exitCode).to.equal(null);
  });

  it('answers internal_error when the supervisor could not set the sandbox up', () => {
    const r = judge(spec, LIMITS, outcome({ status: { exit: -1, signal: 0, cpuMs: 0, maxRssKb: 0, setupErrno: 13, setupStep: 'cgroup-join' } }));
    expect(r.verdict).to.equal('internal_error');
    expect(r.message).to.match(/cgroup-join: errno 13/);
  });
});
