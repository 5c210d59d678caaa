/**
 * `gema-run`: the small C program that starts a student's program inside bubblewrap. It exists
 * because nothing on a stock system does all of this without letting the program tamper with the
 * result: it sets the rlimits, runs the program, watches its resident memory (killing it past the
 * cap: RLIMIT_AS alone cannot bound the JVM, which reserves gigabytes it never touches), waits for
 * it with wait4() for the CPU time and peak RSS, kills it once its CPU time passes the limit
 * (RLIMIT_CPU counts whole seconds and stays as the backstop), and writes one status line to fd 3, which it
 * closes in the program before exec so the program can never forge its own measurements.
 * Compiled with the host's `cc` once per worker process (see helper.ts).
 *
 * usage: gema-run CPU_MS AS_MB RSS_CAP_KB NPROC FSIZE_MB NOFILE -- PROGRAM [ARGS...]   (0 = no limit)
 * status (fd 3): "exit=N signal=N rss_kb=N utime_us=N stime_us=N rss_killed=0|1 cpu_killed=0|1 exec_errno=N\n"
 */
export const HELPER_SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Descriptors the worker's process leaked without O_CLOEXEC (a parent's IPC pipe…) must not reach
   the program: mark every fd from 3 up close-on-exec. */
static void cloexec_from_3(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  struct dirent *e;
  int self = dirfd(d);
  while ((e = readdir(d))) {
    int fd = atoi(e->d_name);
    if (fd >= 3 && fd != self) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(d);
}

static void limit(int resource, unsigned long long soft, unsigned long long hard) {
  struct rlimit rl = { soft, hard };
  if (setrlimit(resource, &rl) != 0) { perror("gema-run: setrlimit"); _exit(126); }
}

static long rss_kb(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kb = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmRSS:", 6) == 0) { kb = strtol(line + 6, NULL, 10); break; }
  }
  fclose(f);
  return kb;
}

/* user + system CPU time of a live process (all its threads), ms; -1 when gone */
static long long cpu_ms_of(pid_t pid, long ticks) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  /* the command name may hold spaces and parentheses: fields resume after the last ')' */
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long long utime = 0, stime = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
  return (long long)((utime + stime) * 1000ULL / (unsigned long long)ticks);
}

int main(int argc, char **argv) {
  if (argc < 9 || strcmp(argv[7], "--") != 0) {
    fprintf(stderr, "usage: gema-run CPU_MS AS_MB RSS_CAP_KB NPROC FSIZE_MB NOFILE -- PROGRAM [ARGS...]\n");
    return 125;
  }
  unsigned long long cpu_ms = strtoull(argv[1], NULL, 10), as_mb = strtoull(argv[2], NULL, 10);
  long rss_cap = strtol(argv[3], NULL, 10);
  unsigned long long nproc = strtoull(argv[4], NULL, 10), fsize_mb = strtoull(argv[5], NULL, 10);
  unsigned long long nofile = strtoull(argv[6], NULL, 10);
  int status_fd = 3;
  if (fcntl(status_fd, F_GETFD) == -1) { fprintf(stderr, "gema-run: no status fd\n"); return 125; }
  fcntl(status_fd, F_SETFD, FD_CLOEXEC);

  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0) { perror("gema-run: pipe"); return 125; }
  pid_t pid = fork();
  if (pid < 0) { perror("gema-run: fork"); return 125; }
  if (pid == 0) {
    close(errpipe[0]);
    close(status_fd);
    if (cpu_ms) { unsigned long long s = (cpu_ms + 999) / 1000 + 1; limit(RLIMIT_CPU, s, s + 1); }
    if (as_mb) limit(RLIMIT_AS, as_mb << 20, as_mb << 20);
    if (nproc) limit(RLIMIT_NPROC, nproc, nproc);
    if (fsize_mb) limit(RLIMIT_FSIZE, fsize_mb << 20, fsize_mb << 20);
    if (nofile) limit(RLIMIT_NOFILE, nofile, nofile);
    limit(RLIMIT_CORE, 0, 0);
    cloexec_from_3();
    limit(RLIMIT_STACK, 64ULL << 20, 64ULL << 20);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[8], argv + 8);
    int e = errno;
    if (write(errpipe[1], &e, sizeof e) < 0) { /* nothing left to tell */ }
    _exit(127);
  }
  close(errpipe[1]);
  int exec_errno = 0;
  if (read(errpipe[0], &exec_errno, sizeof exec_errno) != (ssize_t)sizeof exec_errno) exec_errno = 0;
  close(errpipe[0]);

  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  long peak = 0, ticks = sysconf(_SC_CLK_TCK);
  int killed = 0, cpu_killed = 0;
  for (;;) {
    long kb = rss_kb(pid);
    if (kb > peak) peak = kb;
    if (rss_cap > 0 && kb > rss_cap && !killed && !cpu_killed) { kill(pid, SIGKILL); killed = 1; }
    if (cpu_ms > 0 && !killed && !cpu_killed && cpu_ms_of(pid, ticks) > (long long)cpu_ms + 50) { kill(pid, SIGKILL); cpu_killed = 1; }
    if (pidfd >= 0) {
      struct pollfd p = { pidfd, POLLIN, 0 };
      if (poll(&p, 1, 10) > 0) break;
    } else {
      siginfo_t info;
      memset(&info, 0, sizeof info);
      if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != 0) break;
      usleep(10000);
    }
  }
  int st = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {}
  if (ru.ru_maxrss > peak) peak = ru.ru_maxrss;
  dprintf(status_fd, "exit=%d signal=%d rss_kb=%ld utime_us=%lld stime_us=%lld rss_killed=%d cpu_killed=%d exec_errno=%d\n",
          WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0, peak,
          (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
          (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, killed, cpu_killed, exec_errno);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
`;
