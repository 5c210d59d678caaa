import type { Language, SourceFile } from '../../worker/sandbox/types';

/**
 * Programs of the integrity suite (integrity.test.ts): what a hostile student does to forge the
 * supervisor's report or to use more than the limits, and the honest twin of each. Every program
 * reports on stderr what it really used so far (`cpu<N>=<ms>` per process, `mem=<MB>`), flushed as it
 * goes, so the suite can check the sandbox's figures are at least that. The input is on stdin
 * (`<mode> <amount> [count]`), so a twin is the same program with a smaller amount.
 */
export type Attack =
  /** stdin `cpu <ms>` or `mem <MB>`: ptrace, pidfd_getfd and SIGKILL every visible pid, write forged status lines to every fd, then use the resources */
  | 'forgeReport'
  /** stdin `<MB each> <children>`: children that allocate and touch memory, then sleep */
  | 'memoryChildren'
  /** stdin `<MB each> <children>`: children that each fill a memfd (15 MB: under the file-size rlimit) */
  | 'memfd'
  /** stdin `<MB>`: SysV shared memory in 16 MB segments, each touched then detached (a segment outlives its mapping) */
  | 'sysvShm'
  /** stdin `<MB>`: the JVM starts a child process that allocates */
  | 'jvmChild'
  /** stdin `<ms each> <children>`: children burn CPU; the parent exits once they are done, never waiting for them */
  | 'cpuChildren'
  /** no input: calls each denied system call and socket family, prints name=denied|allowed */
  | 'deniedCalls';

const C_PRELUDE = `#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
static double cpu_ms(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static void burn(int id, double target) { double last = 0; volatile unsigned long x = 0;
  while (cpu_ms() < target) { x++; if (cpu_ms() - last > 20) { last = cpu_ms(); fprintf(stderr, "cpu%d=%.0f\\n", id, last); } }
  fprintf(stderr, "cpu%d=%.0f\\n", id, cpu_ms()); }
static void touch(size_t mb) { for (size_t i = 0; i < mb; i++) { char *p = (char *)malloc(1 << 20); if (!p) { perror("malloc"); _exit(3); } memset(p, 1, 1 << 20); fprintf(stderr, "mem=1\\n"); } }
static char state_of(pid_t pid) { char path[64], buf[512]; snprintf(path, sizeof path, "/proc/%d/stat", (int)pid); FILE *f = fopen(path, "r"); if (!f) return 'X';
  size_t n = fread(buf, 1, sizeof buf - 1, f); fclose(f); buf[n] = 0; char *p = strrchr(buf, ')'); return p && p[1] ? p[2] : 'X'; }
`;

/** C and C++ share these sources (written to compile as both) */
const native: Record<Attack, string> = {
  forgeReport: `${C_PRELUDE}
int main(void) { char mode[8]; double amount; if (scanf("%7s %lf", mode, &amount) != 2) return 2;
  int traced = 0, stolen = 0, signalled = 0, forged = 0; pid_t self = getpid();
  DIR *d = opendir("/proc"); struct dirent *e;
  while (d && (e = readdir(d))) { int pid = atoi(e->d_name); if (pid <= 0 || pid == self) continue;
    if (ptrace(PTRACE_ATTACH, pid, 0, 0) == 0) traced++;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) for (int fd = 0; fd < 32; fd++) { int got = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
      if (got >= 0) { stolen++; dprintf(got, "exit=0 signal=0 utime_us=1000 stime_us=0 maxrss_kb=1000 setup_errno=0 setup_step=-\\n"); } }
    if (kill(pid, SIGKILL) == 0) signalled++; }
  for (int fd = 3; fd < 64; fd++) if (dprintf(fd, "exit=0 signal=0 utime_us=1000 stime_us=0 maxrss_kb=1000 setup_errno=0 setup_step=-\\n") > 0) forged++;
  printf("traced=%d stolen=%d forged=%d\\n", traced, stolen, forged); fflush(stdout);
  if (strcmp(mode, "cpu") == 0) burn(0, amount); else touch((size_t)amount);
  puts("done"); return 0; }`,
  memoryChildren: `${C_PRELUDE}
int main(void) { int mb, kids; if (scanf("%d %d", &mb, &kids) != 2) return 2;
  for (int i = 0; i < kids; i++) if (fork() == 0) { touch((size_t)mb); usleep(300000); _exit(0); }
  while (wait(NULL) > 0) {} puts("done"); return 0; }`,
  memfd: `${C_PRELUDE}
int main(void) { int mb, kids; if (scanf("%d %d", &mb, &kids) != 2) return 2;
  static char buf[1 << 20]; memset(buf, 1, sizeof buf);
  for (int i = 0; i < kids; i++) if (fork() == 0) { int fd = memfd_create("hold", 0); if (fd < 0) { perror("memfd_create"); _exit(3); }
    for (int j = 0; j < mb; j++) { if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) { perror("write"); _exit(3); } fprintf(stderr, "mem=1\\n"); }
    usleep(300000); _exit(0); }
  while (wait(NULL) > 0) {} puts("done"); return 0; }`,
  sysvShm: `${C_PRELUDE}
int main(void) { int mb; if (scanf("%d", &mb) != 1) return 2; int ids[256], n = 0;
  for (int done = 0; done < mb && n < 256; done += 16) {
    int id = shmget(IPC_PRIVATE, 16 << 20, IPC_CREAT | 0600); if (id < 0) { perror("shmget"); return 3; }
    char *p = (char *)shmat(id, NULL, 0); if (p == (char *)-1) { perror("shmat"); return 3; }
    for (int i = 0; i < 16; i++) { memset(p + ((size_t)i << 20), 1, 1 << 20); fprintf(stderr, "mem=1\\n"); }
    shmdt(p); ids[n++] = id; }
  for (int i = 0; i < n; i++) shmctl(ids[i], IPC_RMID, NULL); puts("done"); return 0; }`,
  jvmChild: '',
  cpuChildren: `${C_PRELUDE}
int main(void) { double each; int kids; if (scanf("%lf %d", &each, &kids) != 2) return 2; pid_t pids[64];
  for (int i = 0; i < kids && i < 64; i++) if ((pids[i] = fork()) == 0) { burn(i + 1, each); _exit(0); }
  for (;;) { int done = 1; for (int i = 0; i < kids; i++) if (state_of(pids[i]) != 'Z') done = 0; if (done) break; usleep(5000); }
  puts("parent exits without waiting"); return 0; }`,
  deniedCalls: `${C_PRELUDE}
#include <sys/ioctl.h>
struct call { const char *name; long nr; };
int main(void) {
  struct call calls[] = { {"ptrace", SYS_ptrace}, {"process_vm_readv", SYS_process_vm_readv}, {"process_vm_writev", SYS_process_vm_writev},
    {"pidfd_getfd", SYS_pidfd_getfd}, {"io_uring_setup", SYS_io_uring_setup}, {"io_uring_enter", SYS_io_uring_enter},
    {"io_uring_register", SYS_io_uring_register}, {"perf_event_open", SYS_perf_event_open}, {"bpf", SYS_bpf}, {"keyctl", SYS_keyctl},
    {"add_key", SYS_add_key}, {"request_key", SYS_request_key}, {"userfaultfd", SYS_userfaultfd}, {"init_module", SYS_init_module},
    {"finit_module", SYS_finit_module}, {"delete_module", SYS_delete_module}, {"kexec_load", SYS_kexec_load},
    {"kexec_file_load", SYS_kexec_file_load}, {"mount", SYS_mount}, {"umount2", SYS_umount2}, {"pivot_root", SYS_pivot_root},
    {"unshare", SYS_unshare}, {"setns", SYS_setns} };
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) { errno = 0; long r = syscall(calls[i].nr, 0, 0, 0, 0, 0, 0);
    printf("%s=%s\\n", calls[i].name, r == -1 && errno == EPERM ? "denied" : "allowed"); }
  int families[] = { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, 40 /* AF_VSOCK */ }; const char *names[] = { "inet", "inet6", "netlink", "packet", "vsock" };
  for (int i = 0; i < 5; i++) { errno = 0; int s = socket(families[i], SOCK_DGRAM, 0); printf("socket_%s=%s\\n", names[i], s < 0 && errno == EAFNOSUPPORT ? "denied" : "allowed"); }
  int sv[2]; printf("socket_unix=%s\\n", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? "works" : "broken");
  pid_t kid = fork(); if (kid == 0) _exit(7); int st = 0; waitpid(kid, &st, 0); printf("fork=%s\\n", WEXITSTATUS(st) == 7 ? "works" : "broken");
  return 0; }`,
};

const PY_PRELUDE = `import ctypes, os, sys, time
def burn(i, target):
    last = 0.0
    while time.process_time() * 1000 < target:
        now = time.process_time() * 1000
        if now - last > 20:
            last = now
            print("cpu%d=%.0f" % (i, now), file=sys.stderr, flush=True)
    print("cpu%d=%.0f" % (i, time.process_time() * 1000), file=sys.stderr, flush=True)
def touch(mb):
    keep = []
    for _ in range(mb):
        keep.append(b"x" * (1 << 20))
        print("mem=1", file=sys.stderr, flush=True)
    return keep
def state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "X"
args = sys.stdin.read().split()
`;

const python: Record<Attack, string> = {
  forgeReport: `${PY_PRELUDE}
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
traced = stolen = forged = 0
line = b"exit=0 signal=0 utime_us=1000 stime_us=0 maxrss_kb=1000 setup_errno=0 setup_step=-\\n"
for name in os.listdir("/proc"):
    if not name.isdigit() or int(name) == os.getpid():
        continue
    pid = int(name)
    if libc.ptrace(16, pid, 0, 0) == 0:
        traced += 1
    try:
        pfd = os.pidfd_open(pid)
        for fd in range(32):
            got = libc.syscall(438, pfd, fd, 0)
            if got >= 0:
                stolen += 1
                os.write(got, line)
    except OSError:
        pass
    try:
        os.kill(pid, 9)
    except OSError:
        pass
for fd in range(3, 64):
    try:
        os.write(fd, line)
        forged += 1
    except OSError:
        pass
print("traced=%d stolen=%d forged=%d" % (traced, stolen, forged), flush=True)
if args[0] == "cpu":
    burn(0, float(args[1]))
else:
    keep = touch(int(args[1]))
print("done")`,
  memoryChildren: `${PY_PRELUDE}
mb, kids = int(args[0]), int(args[1])
for i in range(kids):
    if os.fork() == 0:
        keep = touch(mb)
        time.sleep(0.3)
        os._exit(0)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
print("done")`,
  memfd: `${PY_PRELUDE}
mb, kids = int(args[0]), int(args[1])
chunk = b"x" * (1 << 20)
for i in range(kids):
    if os.fork() == 0:
        fd = os.memfd_create("hold")
        for _ in range(mb):
            os.write(fd, chunk)
            print("mem=1", file=sys.stderr, flush=True)
        time.sleep(0.3)
        os._exit(0)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
print("done")`,
  sysvShm: `${PY_PRELUDE}
mb = int(args[0])
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
ids = []
for _ in range(0, mb, 16):
    shm = libc.shmget(0, 16 << 20, 0o1000 | 0o600)
    if shm < 0:
        sys.exit("shmget failed %d" % ctypes.get_errno())
    base = libc.shmat(shm, None, 0)
    for i in range(16):
        ctypes.memset(base + (i << 20), 1, 1 << 20)
        print("mem=1", file=sys.stderr, flush=True)
    libc.shmdt(ctypes.c_void_p(base))
    ids.append(shm)
for shm in ids:
    libc.shmctl(shm, 0, None)
print("done")`,
  jvmChild: '',
  cpuChildren: `${PY_PRELUDE}
each, kids = float(args[0]), int(args[1])
pids = []
for i in range(kids):
    pid = os.fork()
    if pid == 0:
        burn(i + 1, each)
        os._exit(0)
    pids.append(pid)
while any(state(p) != "Z" for p in pids):
    time.sleep(0.005)
print("parent exits without waiting")`,
  deniedCalls: `${PY_PRELUDE}
import socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
calls = {"ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438, "io_uring_setup": 425,
         "perf_event_open": 298, "bpf": 321, "keyctl": 250, "add_key": 248, "request_key": 249, "userfaultfd": 323,
         "mount": 165, "umount2": 166, "unshare": 272, "setns": 308, "pivot_root": 155}
for name, nr in calls.items():
    ctypes.set_errno(0)
    r = libc.syscall(nr, 0, 0, 0, 0, 0, 0)
    print("%s=%s" % (name, "denied" if r == -1 and ctypes.get_errno() == 1 else "allowed"))
for name, family in (("inet", socket.AF_INET), ("inet6", socket.AF_INET6), ("netlink", 16), ("packet", 17), ("vsock", 40)):
    try:
        socket.socket(family, socket.SOCK_DGRAM).close()
        print("socket_%s=allowed" % name)
    except OSError as e:
        print("socket_%s=%s" % (name, "denied" if e.errno == 97 else "allowed"))
a, b = socket.socketpair()
print("socket_unix=works")
pid = os.fork()
if pid == 0:
    os._exit(7)
print("fork=%s" % ("works" if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7 else "broken"))`,
};

const java: Partial<Record<Attack, string>> = {
  forgeReport: `import java.lang.management.*;
public class Main { public static void main(String[] a) throws Exception {
  String[] in = new String(System.in.readAllBytes()).trim().split("\\\\s+"); long self = ProcessHandle.current().pid(); int signalled = 0;
  for (ProcessHandle p : ProcessHandle.allProcesses().toList()) if (p.pid() != self && p.destroyForcibly()) signalled++;
  System.out.println("traced=0 stolen=0 forged=0 signalled=" + signalled); System.out.flush();
  ThreadMXBean t = ManagementFactory.getThreadMXBean(); double target = Double.parseDouble(in[1]); long last = 0; long x = 0;
  if (in[0].equals("cpu")) { while (t.getCurrentThreadCpuTime() / 1e6 < target) { x++; long now = t.getCurrentThreadCpuTime() / 1000000; if (now - last > 20) { last = now; System.err.println("cpu0=" + now); } } }
  else { java.util.List<byte[]> keep = new java.util.ArrayList<>(); for (int i = 0; i < (int) target; i++) { byte[] b = new byte[1 << 20]; java.util.Arrays.fill(b, (byte) 1); keep.add(b); System.err.println("mem=1"); } }
  System.out.println("done " + x); } }`,
  jvmChild: `public class Main { public static void main(String[] a) throws Exception {
  int mb = Integer.parseInt(new String(System.in.readAllBytes()).trim());
  Process p = new ProcessBuilder("/usr/bin/python3", "-c",
    "import sys, time\\nkeep = []\\nfor _ in range(" + mb + "):\\n    keep.append(b'x' * (1 << 20))\\n    print('mem=1', file=sys.stderr, flush=True)\\nprint('child done')")
    .inheritIO().start();
  System.out.println("child exit " + p.waitFor()); } }`,
  // the JVM's children burn the CPU; the program never calls waitFor (the JVM's own reaper collects them)
  cpuChildren: `import java.util.*;
public class Main { public static void main(String[] a) throws Exception {
  String[] in = new String(System.in.readAllBytes()).trim().split("\\s+"); double each = Double.parseDouble(in[0]); int kids = Integer.parseInt(in[1]);
  List<Process> ps = new ArrayList<>();
  for (int i = 1; i <= kids; i++) ps.add(new ProcessBuilder("/usr/bin/python3", "-c",
    "import sys, time\\nlast = 0.0\\nwhile time.process_time() * 1000 < " + each + ":\\n    now = time.process_time() * 1000\\n    if now - last > 20:\\n        last = now\\n        print('cpu" + i + "=%.0f' % now, file=sys.stderr, flush=True)\\nprint('cpu" + i + "=%.0f' % (time.process_time() * 1000), file=sys.stderr, flush=True)")
    .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.INHERIT).start());
  while (ps.stream().anyMatch(Process::isAlive)) Thread.sleep(5);
  System.out.println("parent exits without waiting"); } }`,
  deniedCalls: `import java.net.*;
public class Main { public static void main(String[] a) throws Exception {
  try (DatagramSocket s = new DatagramSocket()) { System.out.println("socket_inet=allowed"); } catch (Exception e) { System.out.println("socket_inet=denied"); }
  try (Socket s = new Socket()) { s.connect(new InetSocketAddress("127.0.0.1", 9), 200); System.out.println("connect=allowed"); } catch (Exception e) { System.out.println("connect=denied"); }
  Thread t = new Thread(() -> System.out.println("thread=works")); t.start(); t.join();
  Process p = new ProcessBuilder("/usr/bin/true").start(); System.out.println("fork=" + (p.waitFor() == 0 ? "works" : "broken")); } }`,
};

const entry: Record<Language, string> = { javascript: 'main.js', python: 'main.py', c: 'main.c', cpp: 'main.cpp', java: 'Main.java' };

/** the attack's program in a language, or undefined where the language cannot express it */
export function attack(language: Language, name: Attack): SourceFile[] | undefined {
  let content: string | undefined;
  if (language === 'c' || language === 'cpp') content = native[name] || undefined;
  else if (language === 'python') content = python[name] || undefined;
  else if (language === 'java') content = java[name];
  return content === undefined ? undefined : [{ name: entry[language], content }];
}
