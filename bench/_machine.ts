import { spawnSync } from 'node:child_process';

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

if (require.main === module) process.stdout.write(`${JSON.stringify(pageFaultCosts())}\n`);
