import { expect } from 'chai';
import fs from 'node:fs';
import { BwrapRunner } from '../../worker/sandbox/bwrap/runner';
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
    const r = await python(`import os\nprint(os.getuid(), os.getgid(), os.path.exists("/etc/passwd"), os.path.exists("/home"), sorted(os.listdir("/sys/class/net")) if os.path.exists("/sys") else "no /sys")`);
    expect(r.stdout).to.equal('65534 65534 False False no /sys\n');
  });

  it('gives the program no environment but its own minimal one', async () => {
    const r = await python(`import os\nprint(sorted(os.environ))`);
    expect(r.stdout).to.equal("['HOME', 'LANG', 'LC_ALL', 'PATH', 'PWD', 'TMPDIR']\n");
  });

  it('closes the status descriptor and every other inherited one before the program starts, so it cannot forge its measurements', async () => {
    const r = await python(`import os\nprint(sorted(int(fd) for fd in os.listdir("/proc/self/fd")))\ntry:\n    os.write(3, b"exit=0 signal=0 rss_kb=1\\n")\n    print("forged")\nexcept OSError as e:\n    print(e.errno)`);
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
    const prog = await runner.prepare('python', [{ name: 'main.py', content: `import os\nprint(os.path.exists("state"))\nopen("state", "w").write("x")` }], LIMITS);
    open.push(prog);
    expect((await prog.run('', LIMITS)).stdout).to.equal('False\n');
    expect((await prog.run('', LIMITS)).stdout).to.equal('False\n');
  });

  it('bounds the files a program can write to its tmpfs', async () => {
    const r = await python(`n = 0\ntry:\n    for i in range(200):\n        open("f%d" % i, "wb").write(b"x" * (1 << 20))\n        n += 1\nexcept OSError as e:\n    print("stopped", e.errno)\nprint(n < 200)`);
    expect(r.stdout).to.match(/^stopped \d+\nTrue\n$/);
  });

  it('runs the same prepared program in parallel sandboxes', async () => {
    const prog = await runner.prepare('python', [{ name: 'main.py', content: 'print(int(input()) * 2)' }], LIMITS);
    open.push(prog);
    const results = await Promise.all(['1', '2', '3', '4'].map((n) => prog.run(`${n}\n`, LIMITS)));
    expect(results.map((r) => r.stdout)).to.deep.equal(['2\n', '4\n', '6\n', '8\n']);
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
    const prog = await runner.prepare('java', [{ name: 'solution.java', content: 'public class Greeter { public static void main(String[] a) { System.out.println("hi"); } }' }], LIMITS);
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

  it('reports peak memory of a run in KB', async () => {
    const r = await python(`b = bytearray(50 * 1024 * 1024)\nprint(len(b))`);
    expect(r.verdict).to.equal('ok');
    expect(r.memoryKb).to.be.greaterThan(50 * 1024);
  });
});
