import crypto from 'node:crypto';
import { expect } from 'chai';
import { TESTS_PER_SESSION } from '../../worker/sandbox/bwrap/session';
import type { Limits } from '../../worker/sandbox/types';
import { PYTHON_LIMITS, pythonSandboxSuite } from './python-suite';

const LIMITS = PYTHON_LIMITS;

/**
 * The Python harness (worker/sandbox/bwrap/session.ts, harness.ts): one sandbox per program, a fresh
 * process per test. These check that a test still cannot affect the next, cannot see another test's
 * input, and cannot forge what the harness reports.
 */
describe('python harness: one sandbox per program', function () {
  this.timeout(60_000);
  const { runner, prepare: prepareAny, track } = pythonSandboxSuite();
  const prepare = (code: string, limits = LIMITS) => prepareAny(code, {}, limits);

  it('runs every test in a fresh process under the harness, with its own stdin', async () => {
    const prog = await prepare(
      String.raw`import os, sys
print(os.getppid(), os.getpid(), repr(sys.stdin.read()), __name__, sys.argv, b'-c' in open('/proc/1/cmdline', 'rb').read().split(b'\0'))`,
    );
    const a = await prog.run('first', LIMITS);
    const b = await prog.run('second', LIMITS);
    const [ppidA, pidA, inA, nameA, argvA] = a.stdout.split(' ');
    const [ppidB, pidB, inB] = b.stdout.split(' ');
    expect([ppidA, ppidB, inA, inB, nameA, argvA]).to.deep.equal(['1', '1', "'first'", "'second'", '__main__', "['/box/main.py']"]);
    expect(a.stdout).to.match(/ True\n$/);
    expect(pidA).to.not.equal(pidB);
  });

  it("runs the first test in the syntax check's process, with only its stdin, stdout and stderr open", async () => {
    const prog = await prepare(String.raw`import os, sys
print(os.getpid(), sorted(int(fd) for fd in os.listdir('/proc/self/fd')), repr(sys.stdin.read()))`);
    const a = await prog.run('first', LIMITS);
    const b = await prog.run('second', LIMITS);
    // pid 2: the namespace's first process after the harness, i.e. the one that compiled the program;
    // fd 3 is the listing's own: the check's pipes to the harness were closed before the test's code
    expect(a.stdout).to.equal("2 [0, 1, 2, 3] 'first'\n");
    expect(b.stdout).to.equal("3 [0, 1, 2, 3] 'second'\n");
  });

  it('gives a test an input larger than a pipe holds whole, and a small one after it', async () => {
    const prog = await prepare('import sys, hashlib\ndata = sys.stdin.buffer.read()\nprint(len(data), hashlib.sha256(data).hexdigest()[:8])');
    const big = 'x'.repeat(3 * 1024 * 1024 + 7);
    const a = await prog.run(big, LIMITS);
    const b = await prog.run('ab', LIMITS);
    expect(a.stdout).to.equal(`${big.length} ${crypto.createHash('sha256').update(big).digest('hex').slice(0, 8)}\n`);
    expect(b.stdout).to.equal(`2 ${crypto.createHash('sha256').update('ab').digest('hex').slice(0, 8)}\n`);
  });

  it('leaves nothing of one test for the next: files, shared memory, SysV segments, processes', async () => {
    const prog = await prepare(
      String.raw`import os, sys, ctypes, time
data = sys.stdin.read()
libc = ctypes.CDLL(None, use_errno=True)
found = sorted(os.listdir('/tmp')) + sorted(os.listdir('/dev/shm')) + open('/proc/sysvipc/shm').read().split('\n')[1:-1]
others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid())]
print('seen', found, others)
if data:
    open('/tmp/left-' + data, 'w').write(data)
    open('/dev/shm/left', 'w').write(data)
    libc.shmget(1234, 1 << 20, 0o1600)
    if os.fork() == 0:
        os.setsid()
        time.sleep(0.5)
        os.write(1, b'leaked into the next test\n')
        os._exit(0)`,
    );
    const first = await prog.run('secret-input', LIMITS);
    expect(first.verdict).to.equal('ok');
    expect(first.stdout).to.equal('seen [] []\n');
    const second = await prog.run('', LIMITS);
    await new Promise((r) => setTimeout(r, 700));
    const third = await prog.run('', LIMITS);
    expect(second.stdout).to.equal('seen [] []\n');
    expect(third.stdout).to.equal('seen [] []\n');
  });

  it('cannot be killed, stopped, read or written by the student, nor have its end of output forged', async () => {
    const prog = await prepare(
      String.raw`import os, signal, sys
tried = []
for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGINT, signal.SIGTERM):
    try:
        os.kill(1, sig)
        tried.append('sent')
    except OSError as e:
        tried.append(e.errno)
for f in ('/proc/1/mem', '/proc/1/fd/0', '/proc/1/fd/4', '/proc/1/environ'):
    try:
        open(f, 'rb').read(1)
        tried.append('opened ' + f)
    except OSError as e:
        tried.append(e.errno)
for fd in range(3, 64):
    try:
        os.write(fd, b'ended exit=0 signal=0 utime_us=0 stime_us=0 maxrss_kb=0 leftover=0\nmarked\n')
        tried.append(fd)
    except OSError:
        pass
print('\n' + '0' * 32 + '\nmarked')
print(tried, flush=True)
sys.exit(3)`,
    );
    const r = await prog.run('', LIMITS);
    expect(r.verdict).to.equal('runtime_error');
    expect(r.exitCode).to.equal(3);
    // signals to PID 1 are dropped by the kernel (it installs no handler); /proc/1 is closed (not dumpable)
    expect(r.stdout).to.include("['sent', 'sent', 'sent', 'sent', 13, 13, 13, 13]");
    expect(r.stdout).to.include(`${'0'.repeat(32)}\nmarked`);
    const next = await prog.run('', LIMITS);
    expect(next.verdict).to.equal('runtime_error');
    expect(next.stdout).to.equal(r.stdout);
  });

  it('judges a test that shut its shared output down or made it non-blocking, and the next test still runs', async () => {
    const prog = await prepare(String.raw`import os, socket, sys
how = sys.stdin.read()
print('before', flush=True)
if how == 'shutdown':
    socket.socket(fileno=os.dup(1)).shutdown(socket.SHUT_WR)
elif how == 'nonblocking':
    os.set_blocking(1, False)
    os.set_blocking(2, False)
sys.exit(4)`);
    const shut = await prog.run('shutdown', LIMITS);
    const nonblocking = await prog.run('nonblocking', LIMITS);
    const plain = await prog.run('', LIMITS);
    for (const r of [shut, nonblocking, plain]) {
      expect(r.verdict).to.equal('runtime_error');
      expect(r.exitCode).to.equal(4);
      expect(r.stdout).to.equal('before\n');
    }
  });

  it("counts CPU and peak memory from each test's own start", async () => {
    const limits: Limits = { timeMs: 2000, memoryMb: 128 };
    const prog = await prepare(
      String.raw`import sys, time
n = int(sys.stdin.read())
if n:
    b = bytearray(n * 1024 * 1024)
    for i in range(0, len(b), 4096):
        b[i] = 1
t = time.process_time()
while time.process_time() - t < 0.6:
    pass
print('done')`,
      limits,
    );
    const big = await prog.run('80', limits);
    const small = await prog.run('0', limits);
    expect([big.verdict, small.verdict]).to.deep.equal(['ok', 'ok']);
    expect(big.memoryKb).to.be.above(80 * 1024);
    expect(small.memoryKb).to.be.below(40 * 1024);
    // from its own start: the two tests together used more than 1,200 ms
    expect(small.timeMs).to.be.at.least(600).and.below(1200);
  });

  it('ends the sandbox at a limit and gives the next test a new one', async () => {
    const prog = await prepare(String.raw`import os, sys
if sys.stdin.read() == 'loop':
    while True:
        pass
print(os.getpid())`);
    const before = await prog.run('', LIMITS);
    const looped = await prog.run('loop', LIMITS);
    const after = await prog.run('', LIMITS);
    expect(looped.verdict).to.equal('time_limit');
    expect([before.verdict, after.verdict]).to.deep.equal(['ok', 'ok']);
  });

  it('gives a program with more tests than one session serves a new sandbox after TESTS_PER_SESSION', async () => {
    const prog = await prepare('import os\nprint(open("/proc/1/stat").read().split()[21])');
    const starts = new Set<string>();
    for (let i = 0; i < TESTS_PER_SESSION + 2; i++) {
      const r = await prog.run('', LIMITS);
      expect(r.verdict).to.equal('ok');
      starts.add(r.stdout);
    }
    // the harness's start time (field 22 of /proc/1/stat): two sandboxes served the tests
    expect(starts.size).to.equal(2);
  });

  it('refuses POSIX message queues, which would outlive a test', async () => {
    const r = await (
      await prepare(String.raw`import ctypes
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.mq_open(b'/q', 0o102, 0o600, None)
print(fd, ctypes.get_errno())`)
    ).run('', LIMITS);
    expect(r.stdout).to.equal('-1 1\n');
  });

  it("reports a syntax error with py_compile's message and runs nothing", async () => {
    const prog = await runner.prepare('python', [{ name: 'main.py', content: 'print("ran")\ndef f(:\n' }], LIMITS);
    track(prog);
    expect(prog.compile.ok).to.equal(false);
    expect(prog.compile.output).to.include('File "main.py", line 2').and.include('SyntaxError');
    expect((await prog.run('', LIMITS)).verdict).to.equal('internal_error');
  });
});
