import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { compileNative } from '../../worker/sandbox/bwrap/helper';
import { parseStatus, rootMounts, type HelperStatus } from '../../worker/sandbox/bwrap/spawn';
import { detectIsolation, type CgroupManager } from '../../worker/sandbox/cgroup';

interface Ran {
  stdout: string;
  status?: HelperStatus;
  code: number | null;
}

/** gema-run (worker/sandbox/bwrap/helper.c) on its own, outside the runner */
describe('gema-run, the sandbox supervisor (helper.c) and the seccomp filter (seccomp.c)', function () {
  this.timeout(60_000);
  let dir: string;
  let built: { file: string; seccomp: string };
  let cgroups: CgroupManager | undefined;

  before(async function () {
    if (!['/usr/bin/cc', '/usr/bin/gcc'].some((cc) => fs.existsSync(cc))) {
      process.stdout.write('      (skipped: no C compiler)\n');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-sandbox-helper-test-'));
    fs.chmodSync(dir, 0o755);
    built = await compileNative(dir);
    cgroups = detectIsolation({ parentName: `gema-${process.pid}-helpertest` }).manager;
  });
  after(async () => {
    await cgroups?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function gemaRun(args: string[], program: string[]): Promise<Ran> {
    const child = spawn(built.file, [...args, '--', ...program], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let status = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    (child.stdio[3] as Readable).on('data', (d: Buffer) => (status += d.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ stdout, status: parseStatus(status), code })));
  }
  const asRoot = () => process.getuid?.() === 0;

  it("reports the program's exit code and the CPU time of it and its reaped children", async () => {
    const r = await gemaRun([], ['/usr/bin/python3', '-c', 'import time, sys\nwhile time.process_time() < 0.1: pass\nsys.exit(7)']);
    expect(r.status?.exit).to.equal(7);
    expect(r.status?.signal).to.equal(0);
    expect(r.status?.cpuMs).to.be.at.least(100);
  });

  it('reports a death by signal', async () => {
    const r = await gemaRun([], ['/bin/sh', '-c', 'kill -SEGV $$']);
    expect(r.status?.signal).to.equal(11);
    expect(r.status?.exit).to.equal(-1);
  });

  it('drops to the sandbox user with no supplementary groups before exec (as root)', async function () {
    if (!asRoot()) this.skip();
    const r = await gemaRun(['--uid', '65534', '--gid', '65534'], ['/bin/sh', '-c', 'echo "$(id -u) $(id -g) $(id -G)"']);
    expect(r.stdout.trim()).to.equal('65534 65534 65534');
  });

  it('hands the program only stdio and the seccomp filter at its fd: never the status fd', async () => {
    const r = await gemaRun(['--seccomp-file', built.seccomp, '--seccomp-fd', '10'], ['/bin/sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "']);
    // 3 is ls's own directory descriptor
    expect(r.stdout.trim()).to.equal('0 1 2 3 10');
  });

  it('sets the rlimits it is given', async () => {
    const r = await gemaRun(['--rlimit', 'nofile=33', '--rlimit', `fsize=${5 * 1024 * 1024}`], ['/bin/sh', '-c', 'echo "$(ulimit -n) $(ulimit -f)"']);
    // dash's ulimit -f counts 512-byte blocks
    expect(r.stdout.trim()).to.equal('33 10240');
  });

  it('puts the program in the given control groups before it starts', async function () {
    if (!cgroups) this.skip();
    const group = cgroups!.createRun('helper-join', { memoryBytes: 64 * 1024 * 1024, pids: 8 });
    try {
      const r = await gemaRun(
        group.procsFiles.flatMap((f) => ['--cgroup', f]),
        ['/bin/cat', '/proc/self/cgroup'],
      );
      const mine = cgroups!.level === 'cgroup2' ? /^0::/ : /^\d+:[^:]*\b(memory|pids|cpuacct)\b[^:]*:/;
      const lines = r.stdout.split('\n').filter((l) => mine.test(l));
      expect(lines.length).to.be.above(0);
      for (const line of lines) expect(line).to.match(/\/helper-join$/);
    } finally {
      await group.destroy();
    }
  });

  it('never runs the program when it cannot join a group, and says which step failed', async () => {
    const r = await gemaRun(['--cgroup', path.join(dir, 'no-such-group', 'cgroup.procs')], ['/bin/echo', 'ran']);
    expect(r.stdout).to.equal('');
    expect(r.status?.setupErrno).to.equal(2);
    expect(r.status?.setupStep).to.equal('cgroup-open');
    expect(r.code).to.equal(125);
  });

  it('the seccomp filter is what refuses AF_INET sockets and keyctl in bubblewrap (the same sandbox without it allows them)', async function () {
    if (!fs.existsSync('/usr/bin/bwrap')) this.skip();
    const probe =
      'import ctypes, socket\ntry:\n    socket.socket(socket.AF_INET).close(); print("inet=allowed")\nexcept OSError: print("inet=denied")\nlibc = ctypes.CDLL(None, use_errno=True)\nprint("keyctl=" + ("denied" if libc.syscall(250, 0, 0, 0, 0, 0) == -1 and ctypes.get_errno() == 1 else "allowed"))';
    const bwrap = (filter: boolean) => [
      '/usr/bin/bwrap',
      '--unshare-all',
      '--die-with-parent',
      ...(filter ? ['--seccomp', '10'] : []),
      ...rootMounts(),
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--',
      '/usr/bin/python3',
      '-c',
      probe,
    ];
    const user = asRoot() ? ['--uid', '65534', '--gid', '65534'] : [];
    const without = await gemaRun(user, bwrap(false));
    const withFilter = await gemaRun([...user, '--seccomp-file', built.seccomp, '--seccomp-fd', '10'], bwrap(true));
    expect(without.stdout).to.equal('inet=allowed\nkeyctl=allowed\n');
    expect(withFilter.stdout).to.equal('inet=denied\nkeyctl=denied\n');
  });
});
