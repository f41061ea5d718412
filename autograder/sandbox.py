"""Run untrusted code in a bubblewrap sandbox with limits on time, memory, processes, CPU and disk.

Each run gets its own mount, PID, network, IPC and UTS namespaces: the file system holds the
Python runtime, the course helper package and the data files the assignment allows, read-only,
nothing else (no gradebook, no sources, no other students). There is no network. Everything it
can write is a mount of its own: its /tmp, /dev/shm and scratch folders are tmpfs of
``Limits.disk_mb`` (bubblewrap's ``--size``: version 0.7 or later), a writable folder of the grader's
is a :class:`~autograder.disk.JobFolder` (a tmpfs where the grader may mount one, else measured by
the watchdog); the root bubblewrap builds and /dev are remounted read-only. A root grader starts it
as an unprivileged user (:func:`sandbox_uid`). Killing the sandbox's first process tears down its
PID namespace, so no daemon survives. Memory, processes and CPU are limited by cgroups
(:mod:`autograder.cgroups`) where the host lets the grader create them, and always watched from
outside.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from autograder.cgroups import Cgroups
from autograder.disk import DiskWatch, pid_name, remove_stale_folders
from autograder.spec import Limits, Mount

POLL_SECONDS = 0.1  # how often the watchdog measures processes, memory and disk
# A zygote's uid in its user namespace: not root there, so that it may map itself into each run's
# namespace without CAP_SETFCAP (Linux refuses an unprivileged mapping of the parent's root).
WARM_UID = 1000
# The user sandboxes run as when the grader is root: an unprivileged uid (and gid) owning nothing on the
# host; ``nobody`` by default.
SANDBOX_UID_ENV = "CNN_GRADER_SANDBOX_UID"
DEFAULT_SANDBOX_UID = 65534
LAUNCHER = Path(__file__).with_name("launcher.py")
STAGE_PREFIX = "cnn-grader-stage-"  # + the grader's pid + a random part: its stage folder in the temp folder
MIN_BWRAP = (0, 7)  # --size (a size-limited tmpfs), which every scratch file system of a run needs
ETC_FILES = (
    "passwd", "group", "hosts", "nsswitch.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
    "localtime", "ssl", "ca-certificates", "fonts", "alternatives", "mime.types",
)


class StderrTail(threading.Thread):
    """Reads a sandbox's stderr to its end, keeping only the last ``keep`` bytes: a run that floods
    its stderr costs the grader no memory and never blocks on a full pipe."""

    def __init__(self, stream, keep: int = 16_000):
        super().__init__(daemon=True)
        self.stream, self.keep, self._tail = stream, keep, b""
        self.start()

    def run(self) -> None:
        while chunk := self.stream.read1(65536):
            self._tail = (self._tail + chunk)[-self.keep:]

    def text(self) -> str:
        return self._tail.decode(errors="replace")

    def clear(self) -> None:
        self._tail = b""


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


@dataclass
class RunResult:
    returncode: int | None
    seconds: float
    peak_memory_mb: float
    # Why the grader stopped the run, if it did: "wall time", "memory" (the kernel's OOM killer or
    # the watchdog), "processes", or "disk" (a folder the file system does not bound grew past disk_mb).
    killed: str | None = None
    stderr: str = ""
    disk_full: bool = False  # the job folder or /tmp reached disk_mb: writes there failed (ENOSPC)
    peak_disk_mb: float = 0.0  # the most any one of them held


@dataclass
class Sandbox:
    """A reusable description of the sandbox: mounts, environment, limits."""

    limits: Limits = field(default_factory=Limits)
    mounts: list[Mount] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    # Folders that are fresh tmpfs of ``limits.disk_mb`` in the sandbox (a cold run's home), made
    # before the mounts, which may lie inside them.
    scratch: tuple[str, ...] = ()

    def command(self, argv: list[str], workdir: str, warm: bool = False) -> list[str]:
        """The command line that runs ``argv`` in this sandbox.

        Everything the run can write is a mount of its own (its /tmp, /dev/shm, the writable
        mounts) or read-only: the root that bubblewrap builds and /dev are remounted read-only once
        set up. A root grader starts it as an unprivileged user (:func:`sandbox_uid`) through
        :mod:`autograder.launcher`. ``warm``: for a zygote (:mod:`autograder.zygote`), which gives
        each run its PID namespace and /proc itself, so it keeps the host's PID namespace and sees
        the host's /proc (a fresh proc may only be mounted where a complete one is visible)."""
        bwrap = shutil.which("bwrap")
        if not bwrap:
            raise SandboxUnavailable(
                "The grader needs bubblewrap ('bwrap') to isolate submissions: install the "
                "'bubblewrap' package (apt-get install bubblewrap)."
            )
        namespaces = ["--unshare-all", "--proc", "/proc"]
        if warm:
            namespaces = ["--unshare-user", "--unshare-ipc", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                          "--uid", str(WARM_UID), "--gid", str(WARM_UID), "--bind", "/proc", "/proc", "--dir", "/home/student"]
        disk = str(self.limits.disk_mb << 20)
        args = [bwrap, *namespaces, "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                # Scratch file systems first: binds that follow may live under /tmp (a venv there).
                "--dev", "/dev", "--size", disk, "--tmpfs", "/dev/shm", "--size", disk, "--tmpfs", "/tmp"]
        for folder in self.scratch:
            args += ["--size", disk, "--tmpfs", folder]
        for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64"):
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.exists():
                args += ["--ro-bind", str(path), str(path)]
        for name in ETC_FILES:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        prefixes = [Mount(Path(prefix), prefix) for prefix in sorted({os.path.realpath(sys.base_prefix), sys.prefix})]
        mounts = [*prefixes, *self.mounts]
        uid = sandbox_uid()
        stage = _stage_folder() if uid is not None else None
        for index, mount in enumerate(mounts):
            source = f"{stage}/{index}" if stage else str(mount.source)
            args += ["--bind" if mount.writable else "--ro-bind", source, mount.target]
        args += ["--dir", workdir, "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", workdir, "--clearenv"]
        for key, value in self.env.items():
            args += ["--setenv", key, value]
        prlimit = shutil.which("prlimit")
        file_size = min(self.limits.file_size_mb, self.limits.disk_mb) << 20
        limits = [prlimit, f"--fsize={file_size}", "--core=0", "--"] if prlimit else []
        launcher = []
        if uid is not None:
            launcher = [sys.executable, "-I", "-S", str(LAUNCHER), str(uid), stage,
                        *(str(mount.source) for mount in mounts), "--"]
        return launcher + limits + args + ["--"] + argv

    def run(self, argv: list[str], workdir: str, pass_fds: tuple[int, ...] = ()) -> RunResult:
        """Run ``argv`` in this sandbox at ``workdir``; ``pass_fds`` stay open in it (the runner's status pipe)."""
        writable = [mount.source for mount in self.mounts if mount.writable]
        command = self.command(argv, workdir)
        with Cgroups(self.limits.memory_mb, self.limits.max_tasks, self.limits.cpus) as cgroups, \
                DiskWatch(writable, self.limits.disk_mb << 20) as disk:
            started = time.monotonic()
            process = subprocess.Popen(
                cgroups.wrap(command),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
                pass_fds=pass_fds,
            )
            stderr = StderrTail(process.stderr)
            watchdog = _Watchdog(process, self.limits, cgroups, disk)
            watchdog.start()
            try:
                process.wait(timeout=self.limits.wall_seconds)
            except subprocess.TimeoutExpired:
                watchdog.kill("wall time")
                process.wait()
            stderr.join(timeout=5)
            watchdog.stop()
            cgroups.kill_all()
            disk.sample()  # what the run left behind, /tmp included: DiskWatch still holds it
            return RunResult(
                returncode=process.returncode,
                seconds=time.monotonic() - started,
                peak_memory_mb=cgroups.peak_mb(fallback_mb=watchdog.peak_mb),
                # The grader's own kills first: they explain a SIGKILL at the memory limit too.
                killed=watchdog.reason or cgroups.limit_hit(process.returncode),
                stderr=stderr.text()[-4000:],
                disk_full=disk.full,
                peak_disk_mb=disk.peak_bytes / 2**20,
            )


def sandbox_uid() -> int | None:
    """The unprivileged user every sandbox runs as when the grader is root (``SANDBOX_UID_ENV``, by
    default ``nobody``), so that nothing in a sandbox is the host's root, whatever namespace it is in
    (the kernel grants global root some rights by user id alone, such as writing sysctls); None when
    the grader is not root: sandboxes then run as the grader's own user."""
    if os.geteuid() != 0:
        return None
    uid = int(os.environ.get(SANDBOX_UID_ENV) or DEFAULT_SANDBOX_UID)
    if uid == 0:
        raise SandboxUnavailable(f"{SANDBOX_UID_ENV}=0 would run student code as the host's root")
    return uid


def hand_to_sandbox(path: Path) -> None:
    """Make a folder the grader created the sandbox user's (a warm sandbox's spool and job folders)."""
    uid = sandbox_uid()
    if uid is not None:
        os.chown(path, uid, uid)


@functools.cache
def _stage_folder() -> str:
    """An empty folder everyone may enter, where :mod:`autograder.launcher` mounts the sandbox's
    sources in a namespace of its own (the host only ever sees it empty); removed at exit, or by the
    next grader if this one is killed first (the stale ones are swept here)."""
    remove_stale_folders(STAGE_PREFIX)
    folder = Path(tempfile.gettempdir()) / pid_name(STAGE_PREFIX)
    folder.mkdir()
    folder.chmod(0o755)
    atexit.register(os.rmdir, folder)
    return str(folder)


def bubblewrap_version(version_text: str) -> tuple[int, int, int] | None:
    """The version in ``bwrap --version``'s output (e.g. "bubblewrap 0.8.0"); None if it names none."""
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", version_text)
    return tuple(int(part or 0) for part in match.groups()) if match else None


def check_available() -> None:
    """Raise :class:`SandboxUnavailable` unless bubblewrap is new enough (:data:`MIN_BWRAP`) and a trivial
    sandbox starts, as the user that sandboxes run as."""
    bwrap = shutil.which("bwrap")
    text = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10).stdout if bwrap else ""
    version = bubblewrap_version(text)
    if bwrap and (version is None or version[:2] < MIN_BWRAP):
        raise SandboxUnavailable(f"{text.strip() or 'bwrap'} is older than 0.7: it cannot bound the sandbox's "
                                 "scratch file systems (--size); install bubblewrap 0.7 or later")
    sandbox = Sandbox(limits=Limits(wall_seconds=30))
    result = sandbox.run(["/bin/true" if Path("/bin/true").exists() else "/usr/bin/true"], "/")
    if result.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap could not start a sandbox here as {_user_name()}: "
                                 f"{result.stderr.strip()[-500:]} (user namespaces must be allowed for that user; "
                                 "`python -m autograder doctor` says more)")


def _user_name() -> str:
    uid = sandbox_uid()
    return f"uid {uid}" if uid is not None else "this user"


class _Watchdog(threading.Thread):
    """Polls the sandbox's process tree and folders; kills it on too much memory, too many tasks
    or a folder past its quota."""

    def __init__(self, process: subprocess.Popen, limits: Limits, cgroups: Cgroups, disk: DiskWatch):
        super().__init__(daemon=True)
        self.process, self.limits, self.cgroups, self.disk = process, limits, cgroups, disk
        self.reason: str | None = None
        self.peak_mb = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.process.pid)
        except psutil.Error:
            return
        started = time.monotonic()
        while not self._stop_event.wait(self._interval(started)):
            rss, tasks = 0, 0
            try:
                processes = [root, *root.children(recursive=True)]
                self.disk.attach_scratch(proc.pid for proc in processes[1:])
                for proc in processes:
                    try:
                        rss += proc.memory_info().rss
                        tasks += proc.num_threads()
                    except psutil.Error:
                        continue
            except psutil.Error:
                return
            self.peak_mb = max(self.peak_mb, rss / 2**20)
            if tasks > self.limits.max_tasks or self.cgroups.limit_hit() == "processes":
                self.kill("processes")
            elif rss > self.limits.memory_mb * 2**20 and "memory" not in self.cgroups.paths:
                # Summed RSS counts pages shared between forks repeatedly: a fallback only.
                self.kill("memory")
            elif self.disk.sample():
                self.kill("disk")

    def _interval(self, started: float) -> float:
        """Short until the sandbox's scratch file systems are held, so even a brief run's are measured."""
        if not self.disk.attached and time.monotonic() - started < 1:
            return 0.01
        return POLL_SECONDS

    def kill(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.cgroups.kill_all()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)
