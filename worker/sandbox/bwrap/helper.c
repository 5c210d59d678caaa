/*
 * gema-run: starts one sandbox and reports how it ended. It runs OUTSIDE the sandbox, as the worker's
 * user (root in production), and never inside it, so nothing the student's program does can reach it:
 * the program lives in bubblewrap's PID namespace (gema-run has no pid there), and seccomp denies
 * ptrace, pidfd_getfd and process_vm_*.
 *
 * It forks; the child joins the run's control groups (the worker created them before calling us, so
 * every process of the run, bubblewrap included, is born inside them), sets the rlimits, opens the
 * seccomp filter for bubblewrap, drops to the sandbox user (when root), closes every inherited
 * descriptor but stdio and the filter, and execs bubblewrap. The parent stays in the worker's own
 * control group, waits for bubblewrap and every orphan of the sandbox (it is their subreaper) and writes one status line to the status fd.
 * Time and memory are judged from the control group by the worker; the rusage figures here are the
 * fallback when the machine has no control groups (SANDBOX_ALLOW_WEAK_ISOLATION) and a cross-check.
 *
 * usage: gema-run [--cgroup PROCS_FILE]... [--uid N --gid N] [--seccomp-file F] [--seccomp-fd N]
 *                 [--rlimit cpu|as|nproc|fsize|nofile|stack=N]... [--status-fd N] [--keep-fd N]... -- PROGRAM [ARGS...]
 *   --keep-fd: a descriptor handed on to PROGRAM (the Python harness's status pipe); every other one
 *   above 2 but the filter is closed before the exec, and gema-run closes its own copy.
 *   rlimit values: cpu in seconds, the others in bytes or counts; 0 leaves a limit unset.
 * status: "exit=N signal=N utime_us=N stime_us=N maxrss_kb=N setup_errno=N setup_step=NAME\n"
 *   exit/signal are those of PROGRAM (bubblewrap passes its child's exit on, 128+N for a signal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define MAX_CGROUPS 8
#define MAX_RLIMITS 8
#define MAX_KEEP 4

struct setup_error {
  int err;
  char step[24];
};

struct options {
  const char *cgroups[MAX_CGROUPS];
  int ncgroups;
  long uid, gid;
  const char *seccomp_file;
  int seccomp_fd;
  int status_fd;
  int rl_resource[MAX_RLIMITS];
  unsigned long long rl_value[MAX_RLIMITS];
  int nrlimits;
  int keep[MAX_KEEP];
  int nkeep;
  char **argv;
};

static void usage(void) {
  fprintf(stderr, "usage: gema-run [--cgroup F]... [--uid N --gid N] [--seccomp-file F] [--seccomp-fd N] "
                  "[--rlimit NAME=N]... [--status-fd N] [--keep-fd N]... -- PROGRAM [ARGS...]\n");
  exit(125);
}

static int rlimit_named(const char *name) {
  if (strcmp(name, "cpu") == 0) return RLIMIT_CPU;
  if (strcmp(name, "as") == 0) return RLIMIT_AS;
  if (strcmp(name, "nproc") == 0) return RLIMIT_NPROC;
  if (strcmp(name, "fsize") == 0) return RLIMIT_FSIZE;
  if (strcmp(name, "nofile") == 0) return RLIMIT_NOFILE;
  if (strcmp(name, "stack") == 0) return RLIMIT_STACK;
  return -1;
}

static void parse(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof *o);
  o->uid = o->gid = -1;
  o->seccomp_fd = 10;
  o->status_fd = 3;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) break;
    if (!v) usage();
    if (strcmp(a, "--cgroup") == 0 && o->ncgroups < MAX_CGROUPS) o->cgroups[o->ncgroups++] = v;
    else if (strcmp(a, "--uid") == 0) o->uid = strtol(v, NULL, 10);
    else if (strcmp(a, "--gid") == 0) o->gid = strtol(v, NULL, 10);
    else if (strcmp(a, "--seccomp-file") == 0) o->seccomp_file = v;
    else if (strcmp(a, "--seccomp-fd") == 0) o->seccomp_fd = (int)strtol(v, NULL, 10);
    else if (strcmp(a, "--status-fd") == 0) o->status_fd = (int)strtol(v, NULL, 10);
    else if (strcmp(a, "--keep-fd") == 0 && o->nkeep < MAX_KEEP) {
      int fd = (int)strtol(v, NULL, 10);
      if (fd <= 2) usage();
      o->keep[o->nkeep++] = fd;
    }
    else if (strcmp(a, "--rlimit") == 0 && o->nrlimits < MAX_RLIMITS) {
      char name[16];
      const char *eq = strchr(v, '=');
      if (!eq || (size_t)(eq - v) >= sizeof name) usage();
      memcpy(name, v, (size_t)(eq - v));
      name[eq - v] = 0;
      int r = rlimit_named(name);
      if (r < 0) usage();
      o->rl_resource[o->nrlimits] = r;
      o->rl_value[o->nrlimits++] = strtoull(eq + 1, NULL, 10);
    } else usage();
    i++;
  }
  if (i >= argc - 1) usage();
  o->argv = argv + i + 1;
}

/* in the child: report why the sandbox could not start, then give up */
static void fail(int errpipe, const char *step) {
  struct setup_error e;
  memset(&e, 0, sizeof e);
  e.err = errno ? errno : EINVAL;
  snprintf(e.step, sizeof e.step, "%s", step);
  if (write(errpipe, &e, sizeof e) < 0) { /* nothing left to tell */ }
  _exit(125);
}

static void join_cgroup(const char *procs, int errpipe) {
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(errpipe, "cgroup-open");
  char pid[24];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (write(fd, pid, (size_t)n) != n) fail(errpipe, "cgroup-join");
  close(fd);
}

static void cloexec_from_3(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  for (int fd = 3; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void child(const struct options *o, int errpipe) {
  for (int i = 0; i < o->ncgroups; i++) join_cgroup(o->cgroups[i], errpipe);
  for (int i = 0; i < o->nrlimits; i++) {
    if (o->rl_value[i] == 0) continue;
    unsigned long long v = o->rl_value[i];
    /* the CPU limit is the backstop behind the worker's own watch: SIGXCPU at v, SIGKILL a second later */
    struct rlimit rl = { v, o->rl_resource[i] == RLIMIT_CPU ? v + 1 : v };
    if (setrlimit(o->rl_resource[i], &rl) != 0) fail(errpipe, "setrlimit");
  }
  struct rlimit core = { 0, 0 };
  setrlimit(RLIMIT_CORE, &core);
  /* everything the worker leaked without O_CLOEXEC stays out of the sandbox; the status fd too */
  cloexec_from_3();
  for (int i = 0; i < o->nkeep; i++) {
    if (o->keep[i] == o->status_fd || fcntl(o->keep[i], F_SETFD, 0) != 0) fail(errpipe, "keep-fd");
  }
  if (o->seccomp_file) {
    int fd = open(o->seccomp_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(errpipe, "seccomp-open");
    if (dup2(fd, o->seccomp_fd) < 0) fail(errpipe, "seccomp-dup");
    close(fd);
  }
  if (o->gid >= 0 && getegid() != (gid_t)o->gid) {
    if (setgroups(0, NULL) != 0) fail(errpipe, "setgroups");
    if (setresgid((gid_t)o->gid, (gid_t)o->gid, (gid_t)o->gid) != 0) fail(errpipe, "setgid");
  }
  if (o->uid >= 0 && geteuid() != (uid_t)o->uid) {
    if (setresuid((uid_t)o->uid, (uid_t)o->uid, (uid_t)o->uid) != 0) fail(errpipe, "setuid");
    if (setuid(0) == 0) { errno = EPERM; fail(errpipe, "setuid-check"); }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(errpipe, "no-new-privs");
  signal(SIGPIPE, SIG_DFL);
  execv(o->argv[0], o->argv);
  fail(errpipe, "exec");
}

int main(int argc, char **argv) {
  struct options o;
  parse(argc, argv, &o);
  if (fcntl(o.status_fd, F_GETFD) == -1) {
    fprintf(stderr, "gema-run: no status fd %d\n", o.status_fd);
    return 125;
  }
  /* the worker going away takes the sandbox with it (bubblewrap has --die-with-parent on us) */
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return 125; /* the worker died before the line above */

  /* orphans of the sandbox (bubblewrap's init when its monitor was killed) come back to us to be
     reaped, instead of lingering as zombies of the machine's init */
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0) { perror("gema-run: pipe"); return 125; }
  pid_t pid = fork();
  if (pid < 0) { perror("gema-run: fork"); return 125; }
  if (pid == 0) {
    close(errpipe[0]);
    child(&o, errpipe[1]);
  }
  close(errpipe[1]);
  for (int i = 0; i < o.nkeep; i++) close(o.keep[i]);
  /* nobody may read this process's memory or descriptors, whatever uid it runs as */
  prctl(PR_SET_DUMPABLE, 0);
  /* let go of stdio: the worker's pipes end when bubblewrap's copies close */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    close(devnull);
  }
  struct setup_error setup;
  memset(&setup, 0, sizeof setup);
  ssize_t got;
  while ((got = read(errpipe[0], &setup, sizeof setup)) < 0 && errno == EINTR) {}
  if (got != (ssize_t)sizeof setup) memset(&setup, 0, sizeof setup);
  close(errpipe[0]);

  int st = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {}
  for (;;) {
    if (waitpid(-1, NULL, 0) > 0 || errno == EINTR) continue;
    break;
  }
  /* every process reaped here, bubblewrap's init included (its monitor exits without waiting for
     it), with all they reaped in turn */
  getrusage(RUSAGE_CHILDREN, &ru);
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  dprintf(o.status_fd, "exit=%d signal=%d utime_us=%lld stime_us=%lld maxrss_kb=%ld setup_errno=%d setup_step=%s\n", code, sig,
          (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec, (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
          ru.ru_maxrss, setup.err, setup.err ? setup.step : "-");
  return setup.err ? 125 : 0;
}
