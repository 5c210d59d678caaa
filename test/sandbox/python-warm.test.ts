import crypto from 'node:crypto';
import { expect } from 'chai';
import { BwrapRunner, WARM_MAX } from '../../worker/sandbox/bwrap/runner';
import { harnessCpuBudgetUs, PROGRAMS_PER_SESSION } from '../../worker/sandbox/bwrap/session';
import type { SourceFile } from '../../worker/sandbox/types';
import { PYTHON_LIMITS, pythonSandboxSuite } from './python-suite';

const LIMITS = PYTHON_LIMITS;
const KEY = { reuseKey: 'task:warm-spec' };

/** prints the harness's start time (field 22 of /proc/1/stat): the same value means the same sandbox */
const SANDBOX_ID = 'print(open("/proc/1/stat").read().split()[21])';

/**
 * A program that counts each token in its own memory (a copy of the harness's at the fork), then prints
 * its sandbox's id: anonymous memory and the heap, where freed buffers stay, read with ctypes as any
 * program can. The tokens are all in its source alike, so each is found there once more than elsewhere.
 */
const memoryScan = (tokens: string[]) => String.raw`import ctypes
needle = [t.encode() for t in ${JSON.stringify(tokens)}]
found = [0] * len(needle)
for line in open('/proc/self/maps').read().split('\n'):
    f = line.split()
    if len(f) < 5 or not f[1].startswith('r') or (len(f) > 5 and f[5] != '[heap]'):
        continue
    lo, hi = (int(x, 16) for x in f[0].split('-'))
    data = ctypes.string_at(lo, hi - lo)
    for i, n in enumerate(needle):
        found[i] += data.count(n)
print(' '.join(map(str, found)))
${SANDBOX_ID}`;

/**
 * A warm sandbox per task (worker/sandbox/bwrap/runner.ts, harness.ts `load`/`reset`): programs of the
 * same reuse key are served one after the other by one sandbox. These check that it is reused only
 * then, and that a program cannot see or influence the next one's run: its processes are killed, its
 * files, shared memory and IPC are gone, its source is not in the program directory, and neither its
 * test inputs nor its file names are left in the harness's memory, of which every test process is a copy.
 */
describe('python harness: a warm sandbox per task', function () {
  this.timeout(60_000);
  const { runner, prepare: prepareAny, release } = pythonSandboxSuite();
  const prepare = (files: SourceFile[] | string, options: { reuseKey?: string } = KEY, limits = LIMITS) => prepareAny(files, options, limits);

  /** runs `code` once as a program of `options`' key and disposes it */
  async function once(code: string | SourceFile[], stdin = '', options: { reuseKey?: string } = KEY, limits = LIMITS) {
    const prog = await prepare(code, options, limits);
    const r = await prog.run(stdin, limits);
    release(prog);
    await prog.dispose();
    return r;
  }

  it('serves programs of the same key one after the other from one sandbox', async () => {
    const a = await once(SANDBOX_ID, '', { reuseKey: 'task:same' });
    const idle = runner.warmSessions();
    const b = await once(SANDBOX_ID, '', { reuseKey: 'task:same' });
    expect(a.verdict).to.equal('ok');
    expect(b.stdout).to.equal(a.stdout);
    expect(runner.warmSessions()).to.equal(idle);
  });

  it('never shares a sandbox between keys, between limits, or without a key', async () => {
    const a = await once(SANDBOX_ID, '', { reuseKey: 'task:one' });
    const b = await once(SANDBOX_ID, '', { reuseKey: 'task:two' });
    const c = await once(SANDBOX_ID, '', { reuseKey: 'task:one' }, { timeMs: 1000, memoryMb: 128 });
    const before = runner.warmSessions();
    const d = await once(SANDBOX_ID, '', {});
    const e = await once(SANDBOX_ID, '', {});
    expect(new Set([a.stdout, b.stdout, c.stdout, d.stdout, e.stdout]).size).to.equal(5);
    // a program without a key leaves nothing warm behind
    expect(runner.warmSessions()).to.equal(before);
  });

  it("leaves nothing of one student's program for the next: processes, files, shared memory, SysV IPC, output pipe flags", async () => {
    const leave = String.raw`import os, sys, ctypes, fcntl, time
libc = ctypes.CDLL(None, use_errno=True)
open('/tmp/left', 'w').write('alice')
os.mkdir('/tmp/dir')
os.chmod('/tmp/dir', 0)
open('/dev/shm/left', 'w').write('alice')
libc.shmget(1234, 1 << 20, 0o1600)
libc.semget(1235, 1, 0o1600)
libc.msgget(1236, 0o1600)
fcntl.fcntl(1, fcntl.F_SETFL, os.O_NONBLOCK | os.O_APPEND)
if os.fork() == 0:
    os.setsid()
    time.sleep(0.5)
    os.write(1, b'alice leaked into the next run\n')
    open('/tmp/late', 'w').write('alice')
    os._exit(0)
print('left', flush=True)`;
    const look = String.raw`import os, fcntl
ipc = [open('/proc/sysvipc/' + k).read().split('\n')[1:-1] for k in ('shm', 'sem', 'msg')]
others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid())]
flags = fcntl.fcntl(1, fcntl.F_GETFL) & (os.O_NONBLOCK | os.O_APPEND)
print(sorted(os.listdir('/tmp')), sorted(os.listdir('/dev/shm')), ipc, others, flags)`;
    const a = await once(`${leave}\n${SANDBOX_ID}`);
    const b = await once(`${look}\n${SANDBOX_ID}`);
    await new Promise((r) => setTimeout(r, 700));
    const c = await once(`${look}\n${SANDBOX_ID}`);
    const [id] = a.stdout.split('\n').slice(-2);
    expect(a.stdout).to.equal(`left\n${id}\n`);
    // the same sandbox served all three
    expect(b.stdout).to.equal(`[] [] [[], [], []] [] 0\n${id}\n`);
    expect(c.stdout).to.equal(b.stdout);
  });

  it("shows a program its own files only: the previous student's source is gone from /box", async () => {
    const first = await prepare([
      { name: 'main.py', content: `import helper_alice\nprint(helper_alice.ANSWER)\n${SANDBOX_ID}` },
      { name: 'helper_alice.py', content: 'ANSWER = 42' },
    ]);
    const [answer, id] = (await first.run('', LIMITS)).stdout.split('\n');
    expect(answer).to.equal('42');
    release(first);
    await first.dispose();
    const r = await once(`import os\nprint(sorted(os.listdir('/box')), open('/box/main.py').read().count('alice'), __file__)\n${SANDBOX_ID}`);
    expect(r.stdout).to.equal(`['main.py'] 1 /box/main.py\n${id}\n`);
  });

  it("finds neither the previous student's test inputs nor their file names in memory it inherited from the harness", async () => {
    const token = () => crypto.randomBytes(12).toString('hex');
    const [small, large, fileName, own, bystander] = [token(), token(), token(), token(), token()];
    const first = await prepare([
      { name: 'main.py', content: `import sys\nsys.stdin.read()\n${SANDBOX_ID}` },
      { name: `m${fileName}.py`, content: 'pass' },
    ]);
    // the tokens away from the start of their buffers (a freed block's first bytes are the allocator's)
    const id = (await first.run(`${'#'.repeat(16)}${small}#`, LIMITS)).stdout;
    expect((await first.run(`${'#'.repeat(100)}${large}`.repeat(600), LIMITS)).stdout).to.equal(id);
    release(first);
    await first.dispose();
    // the next program reads its own memory (a copy of the harness's at the fork) for the tokens, which
    // are all in its source alike; its input (the token own) it does not read
    const second = await prepare(memoryScan([small, large, fileName, own, bystander]));
    // the second test: the first is the syntax check's process, forked before any input was read
    await second.run('', LIMITS);
    const r = await second.run(own, LIMITS);
    const [counts, sandbox] = r.stdout.split('\n');
    expect(sandbox, r.stderr).to.equal(id.trim());
    const [nSmall, nLarge, nFileName, nOwn, nBystander] = counts!.split(' ').map(Number);
    // its own input once more than the source's copies: the harness's buffer, inherited (the scan sees
    // the harness's memory); the earlier program's inputs and file name no more often than a token no
    // program was ever given
    expect(nOwn).to.equal(nBystander! + 1);
    expect([nSmall, nLarge, nFileName], counts).to.deep.equal([nBystander, nBystander, nBystander]);
  });

  it("finds none of the previous student's compiled code in memory it inherited from the harness", async () => {
    const [constant, bystander] = [crypto.randomBytes(12).toString('hex'), crypto.randomBytes(12).toString('hex')];
    // a 60 KB constant, in the marshalled code object the syntax check hands the harness for the later
    // tests. The harness drops and zeroes it at the next reset; here the allocator also returns such a
    // buffer to the system once freed, so this fails when the code is kept, not when only the zeroing is
    // missing (the zeroing covers buffers an allocator keeps, as the inputs' spec above shows for those)
    const first = await prepare(`SECRET = '${'#'.repeat(60_000)}${constant}##'\n${SANDBOX_ID}`);
    const id = (await first.run('', LIMITS)).stdout;
    // the second and third tests got the code from the harness, not from the syntax check's process
    expect((await first.run('', LIMITS)).stdout).to.equal(id);
    expect((await first.run('', LIMITS)).stdout).to.equal(id);
    release(first);
    await first.dispose();
    const second = await prepare(memoryScan([constant, bystander]));
    await second.run('', LIMITS);
    const r = await second.run('', LIMITS);
    const [counts, sandbox] = r.stdout.split('\n');
    expect(sandbox, r.stderr).to.equal(id.trim());
    const [nConstant, nBystander] = counts!.split(' ').map(Number);
    // no more often than a token no program was ever given (both are in the scan's own source)
    expect(nConstant, counts).to.equal(nBystander);
  });

  it("gives the sandbox of a program that changed the harness's limits, priority or scheduling to no one", async () => {
    const lower = [
      'resource.prlimit(1, resource.RLIMIT_NOFILE, (8, 8))',
      'resource.prlimit(1, resource.RLIMIT_AS, (64 << 20, 64 << 20))',
      'os.setpriority(os.PRIO_PROCESS, 1, 19)',
      'os.setpriority(os.PRIO_USER, 0, 19)',
      'os.sched_setscheduler(1, os.SCHED_IDLE, os.sched_param(0))',
      'os.sched_setaffinity(1, {min(os.sched_getaffinity(0))})',
    ];
    const look = String.raw`import os, resource
print(resource.getrlimit(resource.RLIMIT_NOFILE), resource.getrlimit(resource.RLIMIT_AS), os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0), len(os.sched_getaffinity(0)) == os.cpu_count())`;
    const clean = (await once(look)).stdout;
    for (const change of lower) {
      const a = await once(`import os, resource
${change}
print('changed')`);
      expect(a.stdout, `${change}: ${a.stderr}`).to.equal('changed\n');
      const b = await once(`${look}
${SANDBOX_ID}`);
      // a new sandbox: the first process after its harness, with the limits every sandbox starts with
      const [seen, id] = b.stdout.split('\n');
      expect(`${seen}\n`, change).to.equal(clean);
      const again = await once(SANDBOX_ID);
      expect(again.stdout, change).to.equal(`${id}\n`);
    }
  });

  it('gives the sandbox of a program that hit a limit to no one', async () => {
    const looped = await once('while True:\n    pass');
    expect(looped.verdict).to.equal('time_limit');
    const next = await once(String.raw`import os
print(os.getpid(), [p for p in os.listdir('/proc') if p.isdigit() and p not in ('1', str(os.getpid()))])`);
    // pid 2: the first process of a new sandbox, not of the killed one
    expect(next.stdout).to.equal('2 []\n');
  });

  it('kills what a program left running before the next is loaded, even with no test run', async () => {
    // compiled but never run: its waiting check process and nothing else is in the sandbox
    const unrun = await prepare(SANDBOX_ID);
    release(unrun);
    await unrun.dispose();
    const r = await once(String.raw`import os
print([p for p in os.listdir('/proc') if p.isdigit() and p not in ('1', str(os.getpid()))])`);
    expect(r.stdout).to.equal('[]\n');
  });

  it(`gives a new sandbox after ${PROGRAMS_PER_SESSION} programs, and keeps at most ${WARM_MAX} idle`, async () => {
    const ids = new Set<string>();
    for (let i = 0; i < PROGRAMS_PER_SESSION + 1; i++) ids.add((await once(SANDBOX_ID, '', { reuseKey: 'task:many' })).stdout);
    expect(ids.size).to.equal(2);
    for (let i = 0; i < WARM_MAX + 2; i++) await once(SANDBOX_ID, '', { reuseKey: `task:k${i}` });
    expect(runner.warmSessions()).to.equal(WARM_MAX);
  });

  it("retires a sandbox before the harness's own CPU nears the RLIMIT_CPU it shares with the tests", () => {
    // the limit is whole seconds, cpuMs rounded up + 1; the harness stops at half of it
    expect(harnessCpuBudgetUs(2000)).to.equal(1_500_000);
    expect(harnessCpuBudgetUs(100)).to.equal(1_000_000);
  });

  it('closes its idle sandboxes with the runner', async () => {
    const own = new BwrapRunner();
    const prog = await own.prepare('python', [{ name: 'main.py', content: 'print(1)' }], LIMITS, KEY);
    expect((await prog.run('', LIMITS)).stdout).to.equal('1\n');
    await prog.dispose();
    expect(own.warmSessions()).to.equal(1);
    await own.close();
    expect(own.warmSessions()).to.equal(0);
  });
});
