import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { median, writeResults } from './_lib';

/**
 * What a page fault costs on this machine, read by the benches whose figures depend on it (the Python
 * sandbox forks a process per test and each page that process or the harness writes afterwards is a
 * copy-on-write fault; a cold start maps and touches its heap). On the VMs these benches ran on, a fault
 * cost from ~0.3 µs to ~15 µs depending on the hypervisor, which moves the Python exam hall by ×5 with
 * the same build (bench/README.md "Page faults"). Measured by /usr/bin/python3 (the sandbox's own
 * interpreter): `zeroFillUs`, a fresh anonymous page touched once; `copyOnWriteUs`, a page written by
 * the child of a fork; `forkExitMs`, a fork and exit of that interpreter with no work in the child
 * (parent and child). CPU time throughout, so a busy machine changes them less than wall time would.
 * Undefined where there is no /usr/bin/python3 or the probe fails.
 */
export interface PageFaultCosts {
  zeroFillUs: number;
  copyOnWriteUs: number;
  forkExitMs: number;
}

const PROBE = String.raw`
import mmap, os, time, json
PAGE = mmap.PAGESIZE
def touch(buf, n):
    # CPU time, not wall time: a busy machine delays the loop but does not change what a fault costs
    t = time.process_time()
    for i in range(0, n, PAGE):
        buf[i] = 1
    return time.process_time() - t
def loop_cost(n):
    # the Python loop itself, on pages already present
    b = bytearray(n)
    touch(b, n)
    return touch(b, n)
n = 32 << 20
base = loop_cost(n)
zero = mmap.mmap(-1, n)
zero_fill = (touch(zero, n) - base) / (n // PAGE)
shared = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
touch(shared, n)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(w, repr(touch(shared, n)).encode())
    os._exit(0)
os.close(w)
cow = (float(os.read(r, 64)) - base) / (n // PAGE)
os.waitpid(pid, 0)
def cpu():
    c = os.times()
    return c.user + c.system + c.children_user + c.children_system
t = cpu()
for _ in range(50):
    p = os.fork()
    if p == 0:
        os._exit(0)
    os.waitpid(p, 0)
fork_exit = (cpu() - t) / 50
print(json.dumps({'zeroFillUs': round(zero_fill * 1e6, 2), 'copyOnWriteUs': round(cow * 1e6, 2), 'forkExitMs': round(fork_exit * 1e3, 2)}))
`;

export function pageFaultCosts(): PageFaultCosts | undefined {
  const r = spawnSync('/usr/bin/python3', ['-I', '-c', PROBE], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as PageFaultCosts;
  } catch {
    return undefined;
  }
}

/**
 * How much dearer the same work gets on one vCPU while the other is busy with the same kind of work:
 * CPU time of a fixed piece of work pinned to CPU 0 with CPU 1 idle, then with a loop pinned to CPU 1
 * (alternated, medians). A factor of 1 means the two vCPUs are two cores' worth; above it, they share a
 * physical core (SMT siblings), caches or memory bandwidth, or the host takes more from a busier guest,
 * and a second busy process (a second worker, PostgreSQL beside the API) gets less than a core.
 * `alu`: integer arithmetic; `memory`: random reads and writes over 32 MB; `syscalls`: `fstat` in a loop;
 * `pageFaults`: fresh 32 MB buffers touched page by page; `forks`: `spawnSync('/bin/true')`, the parent's
 * CPU (a fork copies the page tables and, on exit and exec, flushes TLBs on every vCPU the process ran
 * on). Undefined with fewer than 2 CPUs or no taskset.
 */
export interface ParallelCost {
  alu: number;
  memory: number;
  syscalls: number;
  pageFaults: number;
  forks: number;
  rounds: number;
}

const WORK = {
  alu: (n: string) => `let x = 1; for (let i = 0; i < ${n} * 1e8; i++) x = (Math.imul(x, 1103515245) + 12345) | 0; if (x === 42) console.log(x);`,
  memory: (n: string) =>
    `const a = new Int32Array(8 << 20); let j = 1, s = 0; for (let i = 0; i < ${n} * 1e7; i++) { j = (Math.imul(j, 1103515245) + 12345) & ((8 << 20) - 1); s += a[j]++; } if (s === 42) console.log(s);`,
  syscalls: (n: string) => `const fs = require('fs'); for (let i = 0; i < ${n} * 1e5; i++) fs.fstatSync(0);`,
  pageFaults: (n: string) =>
    `for (let k = 0; k < ${n} * 10; k++) { const b = Buffer.allocUnsafeSlow(32 << 20); for (let i = 0; i < b.length; i += 4096) b[i] = 1; }`,
  forks: (n: string) => `const cp = require('child_process'); for (let k = 0; k < ${n} * 100; k++) cp.spawnSync('/bin/true');`,
} as const;

/** CPU ms the work took, pinned to `cpu`. */
function cpuMsOf(kind: keyof typeof WORK, cpu: number): number {
  const code = `const t = process.cpuUsage(); ${WORK[kind]('1')}; const u = process.cpuUsage(t); console.log((u.user + u.system) / 1000);`;
  const r = spawnSync('taskset', ['-c', String(cpu), process.execPath, '-e', code], { encoding: 'utf8', timeout: 60_000 });
  return Number(r.stdout.trim());
}

const pause = (seconds: number) => spawnSync('sleep', [String(seconds)]);

export function parallelCost(rounds = 3): ParallelCost | undefined {
  if (os.cpus().length < 2 || spawnSync('taskset', ['-c', '0', 'true']).status !== 0) return undefined;
  const factor = (kind: keyof typeof WORK) => {
    const alone: number[] = [];
    const together: number[] = [];
    for (let round = 0; round < rounds; round++) {
      alone.push(cpuMsOf(kind, 0));
      // the same kind of work, endless, on the other vCPU; given a moment to get going
      const noise = spawn('taskset', ['-c', '1', process.execPath, '-e', `for (;;) { ${WORK[kind]('1')} }`], { stdio: 'ignore' });
      pause(0.3);
      together.push(cpuMsOf(kind, 0));
      noise.kill('SIGKILL');
      pause(0.2);
    }
    return Math.round((median(together) / median(alone)) * 100) / 100;
  };
  return {
    alu: factor('alu'),
    memory: factor('memory'),
    syscalls: factor('syscalls'),
    pageFaults: factor('pageFaults'),
    forks: factor('forks'),
    rounds,
  };
}

if (require.main === module) {
  // `npx tsx bench/_machine.ts`: both probes, printed and written to bench/results/machine.json
  const result = {
    bench: 'machine',
    at: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    pageFaults: pageFaultCosts(),
    parallelCost: parallelCost(5),
  };
  writeResults('machine', result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
