import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CgroupFs, detectIsolation } from '../../worker/sandbox/cgroup';
import type { CgroupManager } from '../../worker/sandbox/cgroup';

const MB = 1024 * 1024;

/** a process that waits for a line on stdin before running `script` (so it can be put in a group first) */
function waiting(script: string): ChildProcess {
  return spawn('/bin/sh', ['-c', `read go; exec /usr/bin/python3 -c '${script}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
}
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('control groups: cgroup v1 on this machine', function () {
  this.timeout(30_000);
  let manager: CgroupManager | undefined;

  before(function () {
    const isolation = detectIsolation({ parentName: `gema-${process.pid}-v1test` });
    if (isolation.level !== 'cgroup1') {
      process.stdout.write(`      (skipped: this machine gives ${isolation.level}${isolation.reason ? `: ${isolation.reason}` : ''})\n`);
      this.skip();
    }
    manager = isolation.manager;
  });
  after(async () => manager?.close());

  it('creates a run group with its memory limit (no swap) and pids limit', async () => {
    const group = manager!.createRun('limits', { memoryBytes: 64 * MB, pids: 7 });
    const [memoryDir, pidsDir] = manager!.parentDirs.map((d) => path.join(d, 'limits'));
    expect(fs.readFileSync(path.join(memoryDir!, 'memory.limit_in_bytes'), 'utf8').trim()).to.equal(String(64 * MB));
    expect(fs.readFileSync(path.join(memoryDir!, 'memory.memsw.limit_in_bytes'), 'utf8').trim()).to.equal(String(64 * MB));
    expect(fs.readFileSync(path.join(pidsDir!, 'pids.max'), 'utf8').trim()).to.equal('7');
    await group.destroy();
    expect(fs.existsSync(memoryDir!)).to.equal(false);
    expect(fs.existsSync(pidsDir!)).to.equal(false);
  });

  it('counts the CPU time of a process in the group', async () => {
    const group = manager!.createRun('cpu', { memoryBytes: 256 * MB, pids: 8 });
    const child = waiting('import time\nwhile time.process_time() < 0.3: pass');
    group.adopt(child.pid!);
    child.stdin!.end('go\n');
    await exited(child);
    // the kernel's two clocks (the process's own and the group's) may differ by a scheduler tick or two
    // (seen: 289.8 ms for 300 ms under load, HZ=100)
    expect(group.usage().cpuUs).to.be.at.least(270_000);
    await group.destroy();
  });

  it('kills a process past the memory limit, and reports the out-of-memory event and a peak at the limit', async () => {
    const group = manager!.createRun('oom', { memoryBytes: 48 * MB, pids: 8 });
    const child = waiting('keep = [b"x" * (1 << 20) for _ in range(200)]');
    group.adopt(child.pid!);
    child.stdin!.end('go\n');
    await exited(child);
    expect(child.signalCode).to.equal('SIGKILL');
    const usage = group.usage();
    expect(usage.ooms).to.be.above(0);
    expect(usage.peakBytes).to.be.at.least(40 * MB);
    await group.destroy();
  });

  it('restarts the peak from the memory in use when asked (the Python harness, between tests)', async () => {
    const group = manager!.createRun('peak', { memoryBytes: 256 * MB, pids: 8 });
    const child = waiting('keep = bytearray(64 << 20)\nfor i in range(0, len(keep), 4096): keep[i] = 1\ndel keep');
    group.adopt(child.pid!);
    child.stdin!.end('go\n');
    await exited(child);
    expect(group.usage().peakBytes).to.be.above(64 * MB);
    expect(group.resetPeak!()).to.equal(true);
    expect(group.usage().peakBytes).to.be.below(32 * MB);
    await group.destroy();
  });

  it('kills every process of a group that keeps forking, and empties it', async () => {
    const group = manager!.createRun('forks', { memoryBytes: 256 * MB, pids: 20 });
    const child = waiting('import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)');
    group.adopt(child.pid!);
    child.stdin!.end('go\n');
    for (let i = 0; i < 100 && group.pids().length < 5; i++) await new Promise((r) => setTimeout(r, 20));
    expect(group.pids().length).to.be.at.least(5);
    await group.kill();
    expect(group.pids()).to.deep.equal([]);
    await group.destroy();
  });

  it("removes groups a dead worker left behind, and keeps a live worker's", () => {
    const own = path.dirname(manager!.parentDirs[1]!);
    const dead = path.join(own, 'gema-999999');
    const live = path.join(own, `gema-${process.ppid}`);
    fs.mkdirSync(path.join(dead, 'run-1'), { recursive: true });
    const liveExisted = fs.existsSync(live);
    if (!liveExisted) fs.mkdirSync(live);
    try {
      const again = detectIsolation({ parentName: `gema-${process.pid}-v1sweep` });
      expect(fs.existsSync(dead)).to.equal(false);
      expect(fs.existsSync(live)).to.equal(true);
      void again.manager?.close();
    } finally {
      if (!liveExisted) fs.rmdirSync(live);
    }
  });
});

/**
 * A directory that behaves like cgroupfs v2 where the logic depends on it: new groups get control files
 * (the controllers their parent hands down), moving a pid takes it out of its old group, a group with
 * processes cannot enable controllers for children (EBUSY), cgroup.kill empties a group, and rmdir
 * refuses a populated group.
 */
class FakeCgroup2 extends CgroupFs {
  constructor(readonly root: string) {
    super();
  }

  private error(code: string): NodeJS.ErrnoException {
    const err = new Error(code) as NodeJS.ErrnoException;
    err.code = code;
    return err;
  }

  private groups(dir = this.root): string[] {
    return [dir, ...this.subdirs(dir).flatMap((d) => this.groups(path.join(dir, d)))];
  }

  /** like the kernel's: what a group's parent hands down, at the time it is read */
  override read(file: string): string {
    const dir = path.dirname(file);
    if (path.basename(file) === 'cgroup.controllers' && dir !== this.root) return super.read(path.join(path.dirname(dir), 'cgroup.subtree_control'));
    return super.read(file);
  }

  override write(file: string, text: string): void {
    const dir = path.dirname(file);
    const name = path.basename(file);
    if (name === 'cgroup.subtree_control') {
      if (dir !== this.root && this.pids(path.join(dir, 'cgroup.procs')).length > 0) throw this.error('EBUSY');
      const enabled = new Set(super.read(file).split(/\s+/).filter(Boolean));
      for (const w of text.split(/\s+/)) if (w.startsWith('+')) enabled.add(w.slice(1));
      return super.write(file, [...enabled].join(' '));
    }
    if (name === 'cgroup.procs') {
      for (const g of this.groups()) {
        const procs = path.join(g, 'cgroup.procs');
        super.write(
          procs,
          this.pids(procs)
            .filter((p) => p !== Number(text))
            .join('\n'),
        );
      }
      return super.write(file, [...this.pids(file), Number(text)].join('\n'));
    }
    if (name === 'cgroup.kill') return super.write(path.join(dir, 'cgroup.procs'), '');
    return super.write(file, text);
  }

  override mkdir(dir: string): void {
    if (this.exists(dir)) return;
    fs.mkdirSync(dir);
    for (const [file, text] of Object.entries({
      'cgroup.controllers': '',
      'cgroup.subtree_control': '',
      'cgroup.procs': '',
      'cgroup.kill': '',
      'cpu.stat': 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n',
      'memory.max': 'max',
      'memory.swap.max': 'max',
      'memory.oom.group': '0',
      'memory.current': '0',
      'memory.peak': '0',
      'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
      'pids.max': 'max',
    })) {
      super.write(path.join(dir, file), text);
    }
  }

  override rmdir(dir: string): boolean {
    if (!this.exists(dir)) return true;
    if (this.pids(path.join(dir, 'cgroup.procs')).length > 0 || this.subdirs(dir).length > 0) return false;
    fs.rmSync(dir, { recursive: true });
    return true;
  }
}

describe('control groups: cgroup v2 logic against a fake cgroupfs', function () {
  let tmp: string;
  let cg: FakeCgroup2;
  /** the worker's own group inside a container: not the root, holding the container's processes */
  let own: string;
  const mountinfo = (mountPoint: string) => `30 23 0:26 / ${mountPoint} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n`;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gema-fake-cgroup-'));
    cg = new FakeCgroup2(tmp);
    fs.writeFileSync(path.join(tmp, 'cgroup.subtree_control'), 'cpu memory pids');
    fs.writeFileSync(path.join(tmp, 'cgroup.controllers'), 'cpu memory pids');
    fs.writeFileSync(path.join(tmp, 'cgroup.procs'), '');
    own = path.join(tmp, 'container');
    cg.mkdir(own);
    fs.writeFileSync(path.join(own, 'cgroup.procs'), `1\n${process.pid}\n`);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const detect = () => detectIsolation({ fs: cg, mountinfo: mountinfo(tmp), procCgroup: '0::/container\n', parentName: 'gema-test' });

  it("detects cgroup v2, moves the group's own processes to a leaf and hands memory and pids down", () => {
    const isolation = detect();
    expect(isolation.level).to.equal('cgroup2');
    expect(cg.pids(path.join(own, 'gema-worker', 'cgroup.procs'))).to.deep.equal([1, process.pid]);
    expect(cg.pids(path.join(own, 'cgroup.procs'))).to.deep.equal([]);
    expect(cg.read(path.join(own, 'cgroup.subtree_control')))
      .to.include('memory')
      .and.include('pids');
    expect(cg.read(path.join(own, 'gema-test', 'cgroup.subtree_control')))
      .to.include('memory')
      .and.include('pids');
  });

  it('reuses the split group when a restarted worker starts inside gema-worker', () => {
    detect();
    const again = detectIsolation({ fs: cg, mountinfo: mountinfo(tmp), procCgroup: '0::/container/gema-worker\n', parentName: 'gema-again' });
    expect(again.level).to.equal('cgroup2');
    expect(again.manager!.parentDirs).to.deep.equal([path.join(own, 'gema-again')]);
  });

  it('creates a run group with memory.max, no swap, group-wide OOM kills and pids.max', async () => {
    const group = detect().manager!.createRun('run-1', { memoryBytes: 144 * MB, pids: 33 });
    const dir = path.join(own, 'gema-test', 'run-1');
    expect(cg.read(path.join(dir, 'memory.max'))).to.equal(String(144 * MB));
    expect(cg.read(path.join(dir, 'memory.swap.max'))).to.equal('0');
    expect(cg.read(path.join(dir, 'memory.oom.group'))).to.equal('1');
    expect(cg.read(path.join(dir, 'pids.max'))).to.equal('33');
    expect(group.procsFiles).to.deep.equal([path.join(dir, 'cgroup.procs')]);
    await group.destroy();
  });

  it('reads CPU time from cpu.stat, the peak from memory.peak and OOM kills from memory.events', async () => {
    const group = detect().manager!.createRun('run-2', { memoryBytes: 64 * MB, pids: 8 });
    const dir = path.join(own, 'gema-test', 'run-2');
    fs.writeFileSync(path.join(dir, 'cpu.stat'), 'usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n');
    fs.writeFileSync(path.join(dir, 'memory.peak'), String(70 * MB));
    fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 1\n');
    expect(group.usage()).to.deep.equal({ cpuUs: 1234567, peakBytes: 70 * MB, ooms: 3 });
    await group.destroy();
  });

  it('falls back to the highest memory.current it sampled on kernels without memory.peak', async () => {
    const group = detect().manager!.createRun('run-3', { memoryBytes: 64 * MB, pids: 8 });
    const dir = path.join(own, 'gema-test', 'run-3');
    fs.rmSync(path.join(dir, 'memory.peak'));
    fs.writeFileSync(path.join(dir, 'memory.current'), String(30 * MB));
    group.usage();
    fs.writeFileSync(path.join(dir, 'memory.current'), String(10 * MB));
    expect(group.usage().peakBytes).to.equal(30 * MB);
    await group.destroy();
  });

  it('restarts the peak for the next test from the memory in use, then takes the highest memory.current it reads', async () => {
    const group = detect().manager!.createRun('run-5', { memoryBytes: 64 * MB, pids: 8 });
    const dir = path.join(own, 'gema-test', 'run-5');
    fs.writeFileSync(path.join(dir, 'memory.peak'), String(70 * MB));
    fs.writeFileSync(path.join(dir, 'memory.current'), String(8 * MB));
    expect(group.resetPeak!()).to.equal(true);
    expect(group.usage().peakBytes).to.equal(8 * MB);
    fs.writeFileSync(path.join(dir, 'memory.current'), String(20 * MB));
    group.usage();
    fs.writeFileSync(path.join(dir, 'memory.current'), String(9 * MB));
    expect(group.usage().peakBytes).to.equal(20 * MB);
    await group.destroy();
  });

  it('kills the whole group through cgroup.kill and removes it', async () => {
    const manager = detect().manager!;
    const group = manager.createRun('run-4', { memoryBytes: 64 * MB, pids: 8 });
    const dir = path.join(own, 'gema-test', 'run-4');
    // pids of processes that do not exist: the fake kernel's cgroup.kill is what empties the group
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '999991\n999992\n');
    await group.destroy();
    expect(fs.existsSync(dir)).to.equal(false);
    await manager.close();
    expect(fs.existsSync(path.join(own, 'gema-test'))).to.equal(false);
  });

  it('answers none with the reason when memory and pids are not delegated', () => {
    fs.writeFileSync(path.join(tmp, 'cgroup.subtree_control'), 'cpu');
    const isolation = detect();
    expect(isolation.level).to.equal('none');
    expect(isolation.reason).to.match(/memory, pids not delegated/);
  });

  it('answers none when no cgroup filesystem is mounted', () => {
    const isolation = detectIsolation({ fs: cg, mountinfo: '22 1 0:21 / /proc rw - proc proc rw\n', procCgroup: '' });
    expect(isolation).to.deep.equal({ level: 'none', reason: 'no cgroup filesystem is mounted' });
  });
});
