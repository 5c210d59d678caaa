import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cpuBudgetSupport, createCpuBudget, type CpuBudget } from '../../bench/_cpu-budget';

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `script` under /bin/sh, started through the budget's wrapper */
function wrapped(budget: CpuBudget, script: string): ChildProcess {
  const { command, args } = budget.wrap('/bin/sh', ['-c', script]);
  return spawn(command, args, { stdio: 'ignore' });
}

describe('bench CPU budget: a cgroup CPU quota for a process tree (bench/_cpu-budget.ts)', function () {
  this.timeout(20_000);
  const budgets: CpuBudget[] = [];
  const children: ChildProcess[] = [];

  before(async function () {
    const support = cpuBudgetSupport();
    if (support.level === 'none') {
      process.stdout.write(`      (skipped: no writable cgroup cpu controller here: ${support.reason})\n`);
      this.skip();
    }
    // cgroup v2 from a group that holds processes: the cpu controller cannot be handed down
    let refused: Error | undefined;
    try {
      await createCpuBudget('probe', 0.5).remove();
    } catch (err) {
      refused = err as Error;
    }
    if (refused) {
      process.stdout.write(`      (skipped: ${refused.message})\n`);
      this.skip();
    }
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    for (const budget of budgets.splice(0)) {
      // what a killed shell left running (its orphaned children) is still in the group
      for (const pid of budget.pids()) process.kill(pid, 'SIGKILL');
      await budget.remove();
    }
  });
  const budget = (label: string, cpus: number) => {
    const b = createCpuBudget(label, cpus);
    budgets.push(b);
    return b;
  };

  it('creates a group whose quota is the budget over a 100 ms period', () => {
    const b = budget('quota', 0.25);
    const read = (file: string) => fs.readFileSync(path.join(b.dirs[0]!, file), 'utf8').trim();
    if (b.level === 'cgroup2') expect(read('cpu.max')).to.equal('25000 100000');
    else expect([read('cpu.cfs_quota_us'), read('cpu.cfs_period_us')]).to.deep.equal(['25000', '100000']);
  });

  it('starts a wrapped process inside the group, and the children it forks later with it', async () => {
    const b = budget('tree', 1);
    const child = wrapped(b, 'sleep 30 & sleep 30 & wait');
    children.push(child);
    for (let i = 0; i < 50 && b.pids().length < 3; i++) await sleep(20);
    expect(b.pids()).to.include(child.pid);
    expect(b.pids()).to.have.length(3);
  });

  it('tells a process inside the group from one outside it', async () => {
    const b = budget('holds', 1);
    const inside = wrapped(b, 'sleep 30');
    const outside = spawn('/bin/sh', ['-c', 'sleep 30'], { stdio: 'ignore' });
    children.push(inside, outside);
    for (let i = 0; i < 50 && !b.pids().includes(inside.pid!); i++) await sleep(20);
    expect([b.holds(inside.pid!), b.holds(outside.pid!)]).to.deep.equal([true, false]);
  });

  it('holds a busy process tree to its budget, and says it throttled it', async () => {
    const b = budget('busy', 0.2);
    // two busy children: left alone they would take two whole cores
    const child = wrapped(b, 'while :; do :; done & while :; do :; done & wait');
    children.push(child);
    const started = performance.now();
    await sleep(1500);
    const used = b.usageMs();
    const wallMs = performance.now() - started;
    expect(used).to.be.above(0);
    // at most the budget (a period of slack for the edges); a loaded machine may give it less
    expect(used).to.be.at.most(0.2 * wallMs + 100);
    expect(b.throttling().throttledPeriods).to.be.above(0);
  });

  it('counts the CPU of processes in the tree that have exited', async () => {
    const b = budget('exited', 1);
    const child = wrapped(b, 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done');
    await exited(child);
    expect(b.pids()).to.deep.equal([]);
    expect(b.usageMs()).to.be.above(10);
  });

  it('removes its groups, with the groups made beneath them', async () => {
    const b = createCpuBudget('removed', 0.5);
    fs.mkdirSync(path.join(b.dirs[0]!, 'beneath'));
    await b.remove();
    for (const dir of b.dirs) expect(fs.existsSync(dir)).to.equal(false);
  });

  it('sweeps the groups a killed bench process left behind', async () => {
    const gone = spawn('/bin/true');
    await exited(gone);
    const b = budget('sweeper', 0.5);
    const left = b.dirs.map((d) => path.join(path.dirname(d), `gema-bench-cpu-${gone.pid}-left`));
    left.forEach((d) => fs.mkdirSync(d));
    budget('sweeping', 0.5);
    for (const dir of left) expect(fs.existsSync(dir)).to.equal(false);
  });
});
