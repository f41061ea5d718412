"""A warm sandbox: one process that has imported the assignment's libraries forks every run.

Runs INSIDE a bubblewrap sandbox started by :mod:`autograder.warm` (standard library, the
runner and what it preloads only: the sandbox does not contain the grader package). Each run
is a fork that isolates itself before any student code exists in it:

    zygote (imports TensorFlow, Keras, ... once; never runs student code)
      └─ supervisor: new user, mount, PID, network, IPC and UTS namespaces; fresh size-limited
         tmpfs for /home/student, its out folder, /tmp and /dev/shm; /dev read-only; the spool
         of job folders hidden; waits, measures the disks, copies the results out
           └─ runner, PID 1 of the run: its own /proc, loopback, no capabilities, no new
              privileges; starts the kernel by forking, executes the notebook with papermill
                └─ kernel: the student's code

Killing the runner ends every process of the run (PID 1 of its namespace); nothing it wrote
survives the run (its file systems are gone with its mount namespace, its IPC objects with its
IPC namespace); the zygote's memory is only ever copied-on-write.

Protocol, JSON lines on stdin/stdout: the zygote says {"ready": seconds}; for each run the
grader sends {"job": folder name under /jobs, "argv": runner arguments, "disk_bytes": n,
"output_bytes": n, "max_result_bytes": n}, the zygote answers {"pid": the runner's pid}, the
grader (having put that process in its cgroups and started watching it) sends {"go": true} and
gets {"done": report}. If the run could not be isolated, {"done": ...} comes without a pid.
The grader's limits kill the runner, never the supervisor, which still collects what it wrote.
"""

import ctypes
import importlib
import json
import os
import re
import signal
import socket
import stat
import struct
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402 - next to this file in the sandbox

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 32, 4096, 16384, 1 << 18, 1 << 21
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 24, 38, 47
SIOCSIFFLAGS, IFF_UP_LOOPBACK_RUNNING = 0x8914, 0x1 | 0x8 | 0x40
HOME, OUT, SPOOL = "/home/student", "/home/student/out", "/jobs"
RESULTS = ("executed.ipynb",)  # copied out of the run; status.json is the supervisor's own
SAMPLE_SECONDS = 0.1
MAX_STATUS_BYTES = 10_000  # of the runner's status; more is cut (the grader then cannot parse it)
RUN_ID = 0  # the uid and gid of a run inside its namespace: root there, as in a cold sandbox

libc = ctypes.CDLL(None, use_errno=True)


class IsolationError(RuntimeError):
    """A step that isolates the run failed: the run must not start."""


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise IsolationError(f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None):
    _check(libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                      data and data.encode()), f"mount {target}")


def _tmpfs(target, size_bytes, mode="0755"):
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={max(size_bytes, 4096)},mode={mode}")


def preload(modules):
    """Import what every run would import; nothing here may start threads or run TensorFlow ops."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - a run that needs it will report it
            print(f"zygote: could not preload {name}: {error}", file=sys.stderr)
    import ipykernel.kernelapp  # noqa: F401
    import jupyter_client.manager  # noqa: F401
    import jupyter_client.provisioning  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401


def _close_fds(keep):
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _new_namespaces():
    uid, gid = os.getuid(), os.getgid()
    _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
           "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{RUN_ID} {uid} 1"), ("gid_map", f"{RUN_ID} {gid} 1")):
        try:
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
        except OSError as error:
            raise IsolationError(f"writing {name} ({text}): {error}") from None
    _mount(None, "/", None, MS_REC | MS_PRIVATE)


def _mounts_below(folder):
    """The outermost mount points strictly inside ``folder`` (a virtual environment under /tmp)."""
    with open("/proc/self/mountinfo") as handle:
        points = {re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4]) for line in handle}
    inside = [point for point in points if point.startswith(folder + "/")]
    return sorted(point for point in inside if not any(point.startswith(other + "/") for other in inside))


def _fresh_tmp(size_bytes):
    """A fresh, empty /tmp for the run, with the sandbox's read-only binds that live under /tmp
    (the Python environment, the course package, when the grader's checkout is there) bound again."""
    kept = [(point, os.path.isdir(point), os.open(point, os.O_PATH)) for point in _mounts_below("/tmp")]
    _tmpfs("/tmp", size_bytes, "1777")
    for point, is_folder, handle in kept:
        os.makedirs(point if is_folder else os.path.dirname(point), exist_ok=True)
        if not is_folder:
            open(point, "a").close()
        _mount(f"/proc/self/fd/{handle}", point, None, MS_BIND | MS_REC)
        os.close(handle)


def _private_file_systems(job, request):
    """Fresh file systems for everything the run may write; the spool of job folders hidden."""
    disk = int(request["disk_bytes"])
    _fresh_tmp(disk)
    if os.path.isdir("/dev/shm"):
        _tmpfs("/dev/shm", disk, "1777")
    _mount(None, "/dev", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_RELATIME)
    assembled = _read_regular_file(f"{SPOOL}/{job}/assembled.ipynb")
    _tmpfs(HOME, disk)
    with open(f"{HOME}/assembled.ipynb", "wb") as handle:
        handle.write(assembled)
    os.mkdir(f"{HOME}/work")
    os.mkdir(OUT)
    _tmpfs(OUT, int(request["output_bytes"]))
    spool = os.open(f"{SPOOL}/{job}", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    _tmpfs(SPOOL, 4096, "0555")
    return spool


def _drop_privileges():
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    libc.prctl(PR_CAP_AMBIENT, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    _check(libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


class _ForkedKernel:
    """The subprocess.Popen interface jupyter_client's LocalProvisioner uses, for a forked kernel."""

    def __init__(self, pid):
        self.pid, self.returncode = pid, None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum):
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


def _run_notebook(argv, status_fd):
    """The run's PID 1: its /proc, its loopback, no privileges; fork the kernel, run papermill."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        import fcntl

        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH", b"lo", IFF_UP_LOOPBACK_RUNNING))
    _drop_privileges()
    os.chdir(f"{HOME}/work")
    from jupyter_client.connect import write_connection_file

    connection_file, _ = write_connection_file("/tmp/kernel.json", ip="127.0.0.1", key=os.urandom(16).hex().encode(),
                                               kernel_name="python3")
    kernel = os.fork()
    if kernel == 0:
        os.close(status_fd)
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.log_connection_info = lambda self: None  # a banner for people, not for the grader
        app = IPKernelApp.instance()
        app.initialize(["-f", connection_file, "--IPKernelApp.log_level=ERROR"])
        app.start()
        os._exit(0)
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    manager = AsyncKernelManager(connection_file=connection_file, kernel_name="python3")
    manager.load_connection_file()
    provisioner = LocalProvisioner(kernel_id="warm", kernel_spec=None, parent=manager)
    provisioner.process, provisioner.pid = _ForkedKernel(kernel), kernel
    manager.provisioner = provisioner
    source, target, _, *rest = argv
    runner.run(source, target, status_fd, *rest, km=manager)


def _used_bytes(path):
    stats = os.statvfs(path)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize, stats.f_bfree == 0


def _copy_results(spool, max_bytes):
    """The run's result files into the job folder, bounded and never through a link: anything but
    a regular file is reproduced by its kind (a link to nowhere, an empty pipe or folder), a file
    over ``max_bytes`` by an empty one of its size, so the grader reads and explains them as it
    would the originals."""
    for name in RESULTS:
        try:
            source = os.open(f"{OUT}/{name}", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            if os.path.islink(f"{OUT}/{name}"):
                os.symlink("/the-run-made-this-a-link", name, dir_fd=spool)
            continue
        try:
            info = os.fstat(source)
            if stat.S_ISFIFO(info.st_mode):
                os.mkfifo(name, dir_fd=spool)
                continue
            if not stat.S_ISREG(info.st_mode):
                os.mkdir(name, dir_fd=spool)
                continue
            data = os.read(source, max_bytes + 1) if info.st_size <= max_bytes else b""
        finally:
            os.close(source)
        _write_new(spool, name, data, size=len(data) if data else min(info.st_size, max_bytes + 1))


def _read_regular_file(path):
    """The bytes of the regular file ``path``, never through a link (the job folder is the sandbox user's)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        return handle.read()


def _read_some(fd, limit):
    """What the pipe ``fd`` holds now, at most ``limit`` bytes; never waits."""
    try:
        return os.read(fd, limit) if limit > 0 else b""
    except BlockingIOError:
        return b""


def _write_new(spool, name, data, size=None):
    """A new file ``name`` in the job folder (never through a link) holding ``data``, or, given a larger
    ``size``, that many bytes of which only ``data`` is written (a stand-in for a file too big to copy)."""
    target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=spool)
    with os.fdopen(target, "wb") as handle:
        handle.write(data)
        if size is not None and size > len(data):
            handle.truncate(size)


def supervise(request, go, report):
    """The supervisor of one run (see the module docstring): isolates, forks the run, reports its
    pid (a line of JSON), waits for the grader's go, then measures, collects and reports the end."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # stdout is the zygote's channel to the grader
    _close_fds({go, report})
    _new_namespaces()
    spool = _private_file_systems(request["job"], request)
    start_read, start_write = os.pipe()
    status_read, status_write = os.pipe()
    runner_pid = os.fork()
    if runner_pid == 0:
        try:
            os.setsid()
            _close_fds({start_read, status_write})
            if os.read(start_read, 1) != b"g":  # the grader has not put this process in its cgroups
                os._exit(0)
            os.close(start_read)
            _run_notebook(request["argv"], status_write)
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            os._exit(70)
        os._exit(0)
    os.close(start_read)
    os.close(status_write)
    os.set_blocking(status_read, False)
    os.write(report, json.dumps({"pid": runner_pid}).encode() + b"\n")
    if os.read(go, 1) == b"g":
        os.write(start_write, b"g")
    os.close(start_write)
    folders = [folder for folder in ("/tmp", "/dev/shm", HOME) if os.path.ismount(folder)]
    peak, full, status_bytes = 0, False, b""
    while True:
        for folder in folders:
            used, filled = _used_bytes(folder)
            peak, full = max(peak, used), full or filled
        status_bytes += _read_some(status_read, MAX_STATUS_BYTES + 1 - len(status_bytes))
        pid, status = os.waitpid(runner_pid, os.WNOHANG)
        if pid:
            break
        time.sleep(SAMPLE_SECONDS)
    status_bytes += _read_some(status_read, MAX_STATUS_BYTES + 1 - len(status_bytes))
    _copy_results(spool, int(request["max_result_bytes"]))
    _write_new(spool, "status.json", status_bytes)
    summary = {"returncode": os.waitstatus_to_exitcode(status), "disk_full": full, "peak_disk_bytes": peak}
    os.write(report, json.dumps(summary).encode())


def serve(request):
    """One run: fork its supervisor, relay the run's pid and the grader's go, then the report."""
    go_read, go_write = os.pipe()
    report_read, report_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(go_write)
            os.close(report_read)
            supervise(request, go_read, report_write)
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            os._exit(71)
        os._exit(0)
    os.close(go_read)
    os.close(report_write)
    with os.fdopen(report_read, "rb") as reports:
        started = reports.readline(4096)
        if started:
            _say(json.loads(started))
            if json.loads(sys.stdin.readline() or "{}").get("go"):
                os.write(go_write, b"g")
        os.close(go_write)
        report = reports.read(65536)
    _, status = os.waitpid(pid, 0)
    try:
        summary = json.loads(report or b"{}")
    except ValueError:
        summary = {}
    summary["supervisor"] = os.waitstatus_to_exitcode(status)
    _say({"done": summary})


def _say(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    started = time.monotonic()
    preload([name for name in os.environ.get("GRADER_PRELOAD", "").split(",") if name])
    _say({"ready": round(time.monotonic() - started, 2)})
    for line in sys.stdin:
        serve(json.loads(line))


if __name__ == "__main__":
    main()
