/*
 * gema-seccomp: writes the sandbox's seccomp filter as BPF to a file, for `bwrap --seccomp FD`.
 * Built and run once at build time (libseccomp, Debian libseccomp-dev); the worker only reads the
 * output. Default allow, with a deny list of the kernel's attack surface that no exercise needs:
 * debugging and cross-process memory access (the way to forge a supervisor), io_uring, perf, BPF,
 * keyrings, userfaultfd, modules and kexec, mounts and namespaces, POSIX message queues (they would
 * outlive a test in the Python harness's sandbox, and no file lists them), and every socket family but
 * AF_UNIX. Calls of other architectures (i386 int 0x80, x32) kill the process (libseccomp's
 * default for a foreign architecture).
 *
 * usage: gema-seccomp OUTPUT_FILE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *const DENIED[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "perf_event_open", "bpf",
    "keyctl", "add_key", "request_key",
    "userfaultfd",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "mount", "umount2", "pivot_root", "unshare", "setns", "chroot",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "open_by_handle_at", "name_to_handle_at",
    "swapon", "swapoff", "reboot", "acct", "quotactl", "syslog", "vhangup",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "iopl", "ioperm", "personality", "lookup_dcookie",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
};

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gema-seccomp OUTPUT_FILE\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return 1;
  int rc = 0;
  for (size_t i = 0; i < sizeof DENIED / sizeof DENIED[0]; i++) {
    int nr = seccomp_syscall_resolve_name(DENIED[i]);
    if (nr == __NR_SCMP_ERROR) continue; /* not on this architecture */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
  }
  /* sockets: AF_UNIX only (a pipe between a program's own processes); anything else is refused
     as if the kernel had no such family */
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  /* clone3 takes its flags in memory a filter cannot read: answer ENOSYS so libc falls back to
     clone, whose namespace flags are checked here */
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  const unsigned long long namespaces[] = {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                                           CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME};
  for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, namespaces[i], namespaces[i]));
  if (rc != 0) {
    fprintf(stderr, "gema-seccomp: cannot build the filter (%d)\n", rc);
    return 1;
  }
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    perror("gema-seccomp: open");
    return 1;
  }
  rc = seccomp_export_bpf(ctx, fd);
  close(fd);
  seccomp_release(ctx);
  if (rc != 0) {
    fprintf(stderr, "gema-seccomp: cannot export the filter (%d)\n", rc);
    return 1;
  }
  return 0;
}
