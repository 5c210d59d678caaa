/**
 * The Python test harness: one bubblewrap sandbox per prepared program, in which this small trusted
 * program is PID 1 and starts a fresh process for the syntax check and for every test
 * (README.md#python-one-sandbox-per-submission-the-harness). Passed to `python3 -c`, so nothing needs copying
 * into dist/.
 *
 * Why the student's processes cannot reach it:
 * - it is PID 1 of the sandbox's PID namespace: the kernel delivers no signal from inside the
 *   namespace to it (it installs no handlers), so no SIGKILL/SIGSTOP of a student's process reaches it;
 * - it is not dumpable (prctl), so /proc/1/mem, /proc/1/fd/* and /proc/1/environ are closed to
 *   processes of the same uid; ptrace and process_vm_* are denied by the seccomp filter anyway;
 * - its control pipe (fd 0) and its status pipe (fd 4) are closed in every child before any student
 *   code runs; the child gets a fresh pipe as stdin, and stdout/stderr are the worker's pipes.
 * - it never parses or compiles the student's source itself: only the children do. The syntax check's
 *   process hands it the main file's code object marshalled, before any student code has run; PID 1 holds
 *   those bytes for the later tests' processes (which unmarshal them instead of compiling again) and
 *   never loads them itself.
 *
 * Between tests: every process of the namespace but itself is killed (kill(-1) from PID 1) and
 * reaped; /tmp and /dev/shm are emptied and SysV IPC objects removed, so nothing of one test is left
 * for the next (POSIX message queues are refused by the seccomp filter). Only then does it report the
 * end, and only after that does the worker send the nonce it writes after the output of the test: no
 * student process exists while the nonce is in the sandbox, so none can forge the end of a test's output.
 *
 * A program is loaded, not given on the command line: one sandbox can serve several programs of the
 * same task one after the other (runner.ts, README.md "A warm sandbox per task"). `load` and `reset`
 * end everything of the previous program first (its processes, /tmp, /dev/shm, SysV IPC, the shared
 * output sockets' flags) and zero what the harness held of it: its file names and every test input
 * (kept in bytearrays that are overwritten once used, so a later fork of the harness, whose memory is
 * a copy of the harness's, finds nothing of an earlier program in freed memory).
 *
 * The syntax check's process becomes the first test's: it compiles every .py file, reports it compiled
 * on a pipe of its own (with the main file's code, marshalled, for the later tests) and waits, holding
 * the code object, until the first `run` (one process fewer per program). While it waits no student code
 * has run (compiling runs none), so the check's end-of-output marker is as safe as after a test. A syntax
 * error ends it as before.
 *
 * Protocol, control (fd 0), worker → harness: frames `<verb> <length>\n<length bytes>`:
 *   `load N` + the program's paths, one a line, the first run: `reset`, then this is the program;
 *   `reset 0`: the previous program is gone (processes, files, IPC, its names zeroed), then `reset leftover=N`;
 *   `check 0`: compile every .py file in /box (py_compile's message on stderr, exit 1 on a syntax error);
 *   `run N` + the test's stdin: run /box/<first file> in a fresh process (the checked one, the first time);
 *   `mark N` + nonce: write `\n<nonce>\n` to stdout and stderr, then `marked` on the status fd.
 *   End of file: exit.
 * Status (fd 4), harness → worker, one line each: `ready`; `loaded` (or `tampered`); `ended exit=N
 * signal=N utime_us=N stime_us=N maxrss_kb=N leftover=N self_us=N tampered=0|1` (exit: the child's
 * code or -1, signal: what killed it, rusage of every process reaped during the test; self_us: the
 * harness's own CPU so far, which counts against the RLIMIT_CPU it shares with the tests' backstop;
 * tampered: a process changed what PID 1's forks inherit, see inherited()); `reset leftover=N
 * tampered=0|1`; `marked S E` (1/0: the marker reached stdout, stderr). A session whose harness was
 * tampered with serves no further test.
 */
export const HARNESS_SOURCE = String.raw`
import os, sys, _ctypes, _signal, types, builtins, gc, atexit, marshal
# a handler would make PID 1 killable from inside: SIGINT (Python's KeyboardInterrupt) is ignored
_signal.signal(_signal.SIGINT, _signal.SIG_IGN)

# the two libc calls the harness needs, through _ctypes alone: the ctypes package (struct, its
# endianness helpers) costs ~9 ms of every sandbox's start for nothing else used here
class _int(_ctypes._SimpleCData):
    _type_ = 'i'

class _libc:
    _handle = _ctypes.dlopen(None)

class _cfunc(_ctypes.CFuncPtr):
    _flags_ = _ctypes.FUNCFLAG_CDECL
    _restype_ = _int

def libc(name):
    return _cfunc((name, _libc))

libc('prctl')(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
CONTROL, STATUS = 0, 4
# the loaded program's paths, one a line: a bytearray so that it can be zeroed when the next is loaded
# (children decode it in their own memory)
prog = bytearray()
# the main file's code object as the syntax check's process compiled it, marshalled: opaque bytes to
# PID 1 (never loaded here), handed to every later test's process by the fork, so that only the first
# process of a program compiles it; zeroed with the program's names
code = bytearray()
# past this a program's tests compile it themselves rather than PID 1 holding it
CODE_MAX = 4 << 20

def program():
    names = bytes(prog).decode().split('\n')
    return names[0], names
os.set_inheritable(STATUS, False)
os.set_inheritable(CONTROL, False)

def status(line):
    os.write(STATUS, (line + '\n').encode())

def end(rc):
    # the session is over: PID 1's exit ends every process of the namespace, and nothing is buffered
    # (status lines go out with os.write), so the interpreter's finalization (~10 ms here) is skipped
    os._exit(rc)

def read_into(fd, n):
    # straight into one buffer the caller can zero: no intermediate copies left in freed memory; None
    # at an early end of file (what was read of it zeroed)
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = os.readv(fd, [view[got:got + (1 << 20)]])
        if not k:
            break
        got += k
    view.release()
    if got == n:
        return buf
    zero(buf)
    return None

def read_exact(n):
    buf = read_into(CONTROL, n)
    if buf is None:
        end(0)
    return buf

def zero(buf):
    buf[:] = bytes(len(buf))

def read_frame():
    head = b''
    while not head.endswith(b'\n'):
        b = os.read(CONTROL, 1)
        if not b:
            end(0)
        head += b
    verb, n = head.split()
    return verb.decode(), read_exact(int(n))

def child_check(ready_w, go_r):
    main_code = None
    MAIN, MODULES = program()
    for f in MODULES:
        if not f.endswith('.py'):
            continue
        try:
            with open(f, 'rb') as fh:
                c = compile(fh.read(), f, 'exec', dont_inherit=True)
        except Exception as err:
            import py_compile
            sys.stderr.write(py_compile.PyCompileError(err.__class__, err, f).msg + '\n')
            return 1
        if f == MAIN:
            main_code = c
    # compiled (nothing of the student's has run): the main file's code for the later tests, then
    # wait to be the first test's process (anything but 'g' on the pipe: not needed)
    data = marshal.dumps(main_code) if main_code is not None else b''
    if len(data) > CODE_MAX:
        data = b''
    os.write(ready_w, b'k' + len(data).to_bytes(8, 'little'))
    view = memoryview(data)
    while view:
        view = view[os.write(ready_w, view):]
    os.close(ready_w)
    go = os.read(go_r, 1)
    os.close(go_r)
    if go != b'g':
        return 0
    return child_run(main_code)

def child_run(compiled=None):
    MAIN = program()[0]
    main = types.ModuleType('__main__')
    main.__file__ = MAIN
    main.__builtins__ = builtins
    main.__cached__ = None
    sys.modules['__main__'] = main
    sys.argv[:] = [MAIN]
    sys.path[0] = os.path.dirname(MAIN)
    try:
        if compiled is None and code:
            # ~60 pages fewer to copy than the compiler's (each a copy-on-write fault), and no parsing
            compiled = marshal.loads(code)
        if compiled is None:
            with open(MAIN, 'rb') as fh:
                compiled = compile(fh.read(), MAIN, 'exec', dont_inherit=True)
        exec(compiled, main.__dict__)
        rc = 0
    except SystemExit as e:
        rc = exit_code(e)
    except BaseException:
        t, v, tb = sys.exc_info()
        # the traceback starts in the student's file, as a python process's does
        tb = tb.tb_next if tb is not None else None
        sys.excepthook(t, v.with_traceback(tb), tb)
        rc = 1
    return rc

def exit_code(e):
    c = e.code
    if c is None:
        return 0
    if isinstance(c, int):
        return c & 0xFF
    try:
        sys.stderr.write(str(c) + '\n')
    except Exception:
        pass
    return 1

def finish(rc):
    # what a python process does on its way out: threads joined, atexit, buffers flushed
    try:
        th = sys.modules.get('threading')
        if th is not None:
            th._shutdown()
        atexit._run_exitfuncs()
    except SystemExit as e:
        rc = exit_code(e)
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            rc = 120
    os._exit(rc)

def start(work, stdin_r, keep=()):
    pid = os.fork()
    if pid:
        return pid
    try:
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        os.dup2(stdin_r, 0)
        low = 3
        for fd in sorted(keep):
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, 65536)
        rc = work()
    except SystemExit as e:
        rc = exit_code(e)
    except BaseException:
        rc = 1
    finish(rc)

def wipe(path):
    try:
        names = os.listdir(path)
    except OSError:
        return
    for n in names:
        p = path + '/' + n
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                os.chmod(p, 0o700)
                wipe(p)
                os.rmdir(p)
            else:
                os.unlink(p)
        except OSError:
            pass

IPC = (('/proc/sysvipc/shm', 'shmctl'), ('/proc/sysvipc/sem', 'semctl'), ('/proc/sysvipc/msg', 'msgctl'))

def read_small(path):
    # a /proc file without open()'s objects and buffers: after a fork every page PID 1 writes is a
    # copy-on-write fault (10-20 µs on a virtual machine), and a text-mode open() touches dozens
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = []
        while True:
            b = os.read(fd, 4096)
            if not b:
                return b''.join(parts)
            parts.append(b)
    finally:
        os.close(fd)

def clear_ipc():
    for path, fn in IPC:
        try:
            data = read_small(path)
        except OSError:
            continue
        if data.count(b'\n') <= 1:
            continue  # the header alone (most tests): nothing to remove
        for row in data.split(b'\n')[1:]:
            cols = row.split()
            if len(cols) > 1:
                libc(fn)(int(cols[1]), 0, 0, 0)  # IPC_RMID

def alone():
    # kill(-1, 0) reaches every process of the namespace but PID 1 (they all run as the sandbox's one
    # uid): ESRCH means none is left, found without listing /proc
    try:
        os.kill(-1, 0)
    except ProcessLookupError:
        return True
    return False

def kill_all():
    leftover = 0
    for _ in range(100):
        try:
            os.kill(-1, 9)
        except ProcessLookupError:
            pass
        reap()
        if alone():
            break
        leftover += 1
    return leftover

def inherited():
    # what a fork of the harness inherits and a process of the same uid may change in PID 1 from
    # outside (prlimit, setpriority, sched_setscheduler/setaffinity, ioprio_set): a program lowering
    # these would reach every later test's process, another student's too
    return (
        # every rlimit (RLIMIT_CPU … RLIMIT_RTTIME) in one read: 16 getrlimit tuples touch more pages
        read_small('/proc/self/limits'),
        os.getpriority(os.PRIO_PROCESS, 0),
        os.sched_getscheduler(0),
        os.sched_getparam(0).sched_priority,
        sorted(os.sched_getaffinity(0)),
        libc('syscall')(251, 1, 0),  # ioprio_get(IOPRIO_WHO_PROCESS, self)
    )

START = inherited()

def tampered():
    return 0 if inherited() == START else 1

usage = [0, 0, 0]

def account(ru):
    usage[0] += int(ru.ru_utime * 1e6)
    usage[1] += int(ru.ru_stime * 1e6)
    usage[2] = max(usage[2], ru.ru_maxrss)

def reap():
    while True:
        try:
            pid, st, ru = os.wait4(-1, 0)
        except ChildProcessError:
            return
        account(ru)

# the checked process waiting for the first test: (pid, its stdin pipe, its go pipe)
pending = None

def drop_pending():
    global pending
    if pending is not None:
        pid, w, gw = pending
        pending = None
        os.close(w)
        os.close(gw)  # end of file: the waiting process exits without running anything

def take_code(fd):
    # the length, then the bytes straight into one buffer the next program's reset zeroes; a short
    # read (the process was killed) leaves none, and the tests compile the program themselves
    global code
    head = read_into(fd, 8)
    if head is None:
        return
    n = int.from_bytes(head, 'little')
    if 0 < n <= CODE_MAX:
        code = read_into(fd, n) or bytearray()

def drop_code():
    global code
    zero(code)
    code = bytearray()

def check():
    global pending
    usage[:] = [0, 0, 0]
    drop_code()
    r, w = os.pipe()
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = start(lambda: child_check(ready_w, go_r), r, (ready_w, go_r))
    for fd in (r, ready_w, go_r):
        os.close(fd)
    # b'k': compiled and waiting; end of file: it ended by itself (a syntax error, or it was killed)
    compiled = os.read(ready_r, 1) == b'k'
    if compiled:
        take_code(ready_r)
    os.close(ready_r)
    if not compiled:
        # judged and cleaned up as a test is
        os.close(go_w)
        supervise(pid, w, b'')
    else:
        pending = (pid, w, go_w)
        status('ended exit=0 signal=0 utime_us=0 stime_us=0 maxrss_kb=0 leftover=0')

def run(body):
    global pending
    usage[:] = [0, 0, 0]
    # a view: slices of it written to the pipe are no copies, and the input is zeroed once the test ends
    stdin = memoryview(body)
    if pending is None:
        r, w = os.pipe()
        pid = start(child_run, r)
        os.close(r)
    else:
        pid, w, go_w = pending
        pending = None
        try:
            os.write(go_w, b'g')
        except OSError:
            pass  # it is gone: supervise() reports how it ended
        os.close(go_w)
    try:
        supervise(pid, w, stdin)
    finally:
        # same length: overwritten in place, views or not
        zero(body)

def feed(w, stdin):
    # what of the input the pipe does not take now; the whole input once the reader is gone
    try:
        return stdin[os.write(w, stdin[:1 << 16]):]
    except (BlockingIOError, InterruptedError):
        return stdin
    except OSError:
        return b''

def wait_for(pid):
    # the test's process ended: its exit code (-1 when a signal killed it) and the signal
    _, st, ru = os.wait4(pid, 0)
    account(ru)
    if os.WIFEXITED(st):
        return os.WEXITSTATUS(st), 0
    return -1, (os.WTERMSIG(st) if os.WIFSIGNALED(st) else 0)

def supervise(pid, w, stdin):
    os.set_blocking(w, False)
    code, sig = -1, 0
    # an input the pipe holds at once (most tests'): a plain wait, no select (nor its import)
    stdin = feed(w, stdin) if stdin else stdin
    if not stdin:
        os.close(w)
        w = -1
        return clean_up(*wait_for(pid))
    import select
    pidfd = os.pidfd_open(pid)
    done = False
    while not done:
        wr = [w] if w >= 0 else []
        readable, writable, _ = select.select([pidfd], wr, [])
        if writable:
            stdin = feed(w, stdin)
            if not stdin:
                os.close(w)
                w = -1
        if readable:
            code, sig = wait_for(pid)
            done = True
    os.close(pidfd)
    if w >= 0:
        os.close(w)
    clean_up(code, sig)

def clean_up(code, sig):
    leftover = kill_all()
    wipe('/tmp')
    wipe('/dev/shm')
    clear_ipc()
    t = os.times()
    status('ended exit=%d signal=%d utime_us=%d stime_us=%d maxrss_kb=%d leftover=%d self_us=%d tampered=%d' % (code, sig, usage[0], usage[1], usage[2], leftover, int((t.user + t.system) * 1e6), tampered()))

def clear_outputs():
    # stdout and stderr (the worker's sockets) are shared by every program the sandbox serves: status
    # flags a test set on them (O_NONBLOCK, O_APPEND, O_ASYNC) do not pass to the next program
    for fd in (1, 2):
        libc('fcntl')(fd, 4, 0)  # F_SETFL: none

def reset():
    # nothing of the previous program stays: its waiting check, every process, files, IPC, its names
    # and code
    global prog
    drop_pending()
    leftover = kill_all()
    wipe('/tmp')
    wipe('/dev/shm')
    clear_ipc()
    clear_outputs()
    zero(prog)
    prog = bytearray()
    drop_code()
    return leftover

# done once here rather than in every child: the compiler's first use, and the objects made so far
# kept out of the collector's sight (a collection in a child would touch, and so copy, every page);
# the start-up's freed heap goes back to the system, so no fork copies or tears down its page entries
compile('pass', '<warm-up>', 'exec')
gc.collect()
gc.freeze()
libc('malloc_trim')(0)
status('ready')
while True:
    verb, body = read_frame()
    if verb == 'load':
        reset()
        prog = body
        status('loaded' if not tampered() else 'tampered')
    elif verb == 'reset':
        leftover = reset()
        status('reset leftover=%d tampered=%d' % (leftover, tampered()))
    elif not prog:
        end(2)  # no program loaded: the worker's mistake, the session is over
    elif verb == 'check':
        drop_pending()
        check()
    elif verb == 'run':
        run(body)
    elif verb == 'mark':
        # a test may have left the shared stream non-blocking or shut it down: say which marker got out
        line = b'\n' + body + b'\n'
        out = []
        for fd in (1, 2):
            try:
                os.set_blocking(fd, True)
                rest = line
                while rest:
                    rest = rest[os.write(fd, rest):]
                out.append('1')
            except OSError:
                out.append('0')
        status('marked ' + ' '.join(out))
    else:
        end(2)
`;
