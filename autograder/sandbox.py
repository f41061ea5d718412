"""Run untrusted code in a bubblewrap sandbox with limits on time, memory and processes.

Each run gets its own mount, PID, network, IPC and UTS namespaces: the file system holds the
Python runtime, the course helper package, the data files the assignment allows and one
writable job folder, nothing else (no gradebook, no sources, no other students). There is no
network. Killing the sandbox's first process tears down its PID namespace, so no daemon
survives. Memory and process counts are capped by cgroups where the grader may create them
(root), and always watched from outside.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ETC_FILES = (
    "passwd", "group", "hosts", "nsswitch.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
    "localtime", "ssl", "ca-certificates", "fonts", "alternatives", "mime.types",
)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 900
    cell_timeout: int = 300
    memory_mb: int = 4096
    max_tasks: int = 512  # processes and threads
    output_chars: int = 100_000
    file_size_mb: int = 512


@dataclass
class RunResult:
    returncode: int | None
    seconds: float
    peak_memory_mb: float
    killed: str | None = None  # why the grader killed the run, if it did
    stderr: str = ""


@dataclass
class Mount:
    source: Path
    target: str
    writable: bool = False


@dataclass
class Sandbox:
    """A reusable description of the sandbox: mounts, environment, limits."""

    limits: Limits = field(default_factory=Limits)
    mounts: list[Mount] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def command(self, argv: list[str], workdir: str) -> list[str]:
        bwrap = shutil.which("bwrap")
        if not bwrap:
            raise SandboxUnavailable(
                "The grader needs bubblewrap ('bwrap') to isolate submissions: install the "
                "'bubblewrap' package (apt-get install bubblewrap)."
            )
        args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                # Scratch file systems first: binds that follow may live under /tmp (a venv there).
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64"):
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.exists():
                args += ["--ro-bind", str(path), str(path)]
        for name in ETC_FILES:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        for prefix in sorted({os.path.realpath(sys.base_prefix), sys.prefix}):
            args += ["--ro-bind", prefix, prefix]
        for mount in self.mounts:
            args += ["--bind" if mount.writable else "--ro-bind", str(mount.source), mount.target]
        args += ["--chdir", workdir, "--clearenv"]
        for key, value in self.env.items():
            args += ["--setenv", key, value]
        prlimit = shutil.which("prlimit")
        limits = [prlimit, f"--fsize={self.limits.file_size_mb << 20}", "--core=0", "--"] if prlimit else []
        return limits + args + ["--"] + argv

    def run(self, argv: list[str], workdir: str) -> RunResult:
        command = self.command(argv, workdir)
        with _Cgroups(self.limits) as cgroups:
            started = time.monotonic()
            process = subprocess.Popen(
                cgroups.wrap(command),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            watchdog = _Watchdog(process, self.limits, cgroups)
            watchdog.start()
            try:
                _, stderr = process.communicate(timeout=self.limits.wall_seconds)
            except subprocess.TimeoutExpired:
                watchdog.kill("wall time")
                _, stderr = process.communicate()
            watchdog.stop()
            cgroups.kill_all()
            killed = cgroups.limit_hit() or watchdog.reason
            return RunResult(
                returncode=process.returncode,
                seconds=time.monotonic() - started,
                peak_memory_mb=max(watchdog.peak_mb, cgroups.peak_mb()),
                killed=killed,
                stderr=stderr.decode(errors="replace")[-4000:],
            )


def check_available() -> None:
    """Raise :class:`SandboxUnavailable` unless a trivial sandbox starts."""
    sandbox = Sandbox(limits=Limits(wall_seconds=30))
    result = sandbox.run(["/bin/true" if Path("/bin/true").exists() else "/usr/bin/true"], "/")
    if result.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap could not start a sandbox here: {result.stderr.strip()}")


class _Watchdog(threading.Thread):
    """Polls the sandbox's process tree; kills it on too much memory or too many tasks."""

    def __init__(self, process: subprocess.Popen, limits: Limits, cgroups: "_Cgroups"):
        super().__init__(daemon=True)
        self.process, self.limits, self.cgroups = process, limits, cgroups
        self.reason: str | None = None
        self.peak_mb = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.process.pid)
        except psutil.Error:
            return
        while not self._stop_event.wait(0.2):
            rss, tasks = 0, 0
            try:
                for proc in [root, *root.children(recursive=True)]:
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


class _Cgroups:
    """cgroup v1 memory and pids limits for one run, when this process may create cgroups."""

    ROOT = Path("/sys/fs/cgroup")

    def __init__(self, limits: Limits):
        self.limits = limits
        self.paths: dict[str, Path] = {}

    def __enter__(self) -> "_Cgroups":
        name = f"cnn-grader-{uuid.uuid4().hex[:12]}"
        settings = {
            "memory": {"memory.limit_in_bytes": self.limits.memory_mb << 20},
            "pids": {"pids.max": self.limits.max_tasks},
        }
        for controller, values in settings.items():
            path = self.ROOT / controller / name
            try:
                path.mkdir()
                for key, value in values.items():
                    (path / key).write_text(str(value))
                self.paths[controller] = path
            except OSError:
                self._remove(path)
        return self

    def wrap(self, command: list[str]) -> list[str]:
        """Enter the cgroups before exec, so every descendant is counted from the start."""
        if not self.paths:
            return command
        joins = " && ".join(f'echo $$ > "{path}/cgroup.procs"' for path in self.paths.values())
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sandbox", *command]

    def kill_all(self) -> None:
        for _ in range(50):
            pids = set()
            for path in self.paths.values():
                try:
                    pids |= {int(p) for p in (path / "cgroup.procs").read_text().split()}
                except OSError:
                    continue
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)

    def limit_hit(self) -> str | None:
        if "pids" in self.paths and _read_int(self.paths["pids"] / "pids.events", field=1) > 0:
            return "processes"
        if "memory" in self.paths and _read_int(self.paths["memory"] / "memory.failcnt") > 0:
            return "memory"
        return None

    def peak_mb(self) -> float:
        if "memory" not in self.paths:
            return 0.0
        return _read_int(self.paths["memory"] / "memory.max_usage_in_bytes") / 2**20

    def __exit__(self, *exc) -> None:
        self.kill_all()
        for path in self.paths.values():
            self._remove(path)

    @staticmethod
    def _remove(path: Path) -> None:
        for _ in range(20):
            try:
                path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)


def _read_int(path: Path, field: int = 0) -> int:
    try:
        return int(path.read_text().split()[field])
    except (OSError, ValueError, IndexError):
        return 0
