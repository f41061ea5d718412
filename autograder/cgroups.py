"""cgroup v1 memory and pids limits for one sandboxed run, and what they did to it.

The grader may create cgroups where it runs as root on a host with cgroup v1 controllers at
/sys/fs/cgroup/<controller>; elsewhere a :class:`Cgroups` holds no paths, limits nothing and
reports nothing (the sandbox's watchdog then limits the run on its own).

A limit is reported only when it changed the run: "processes" when a fork or clone failed at the
pids limit, "memory" when the kernel's OOM killer killed a task of the group. ``memory.failcnt``
is no such evidence: it also counts every time the kernel reclaimed page cache at the limit,
which a process that merely writes a large file causes without losing anything.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

SIGKILL_STATUSES = (-signal.SIGKILL, 128 + signal.SIGKILL)  # Popen's and a shell's (or bwrap's) way


class Cgroups:
    """The memory and pids cgroups of one run; a context manager that removes them on exit."""

    ROOT = Path("/sys/fs/cgroup")

    def __init__(self, memory_mb: int, max_tasks: int):
        self.memory_bytes = memory_mb << 20
        self.max_tasks = max_tasks
        self.paths: dict[str, Path] = {}

    def __enter__(self) -> Cgroups:
        name = f"cnn-grader-{uuid.uuid4().hex[:12]}"
        settings = {
            "memory": {"memory.limit_in_bytes": self.memory_bytes},
            "pids": {"pids.max": self.max_tasks},
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

    def attach(self, pid: int) -> None:
        """Put a process that has not forked yet into the cgroups (a warm sandbox's run)."""
        for path in self.paths.values():
            try:
                (path / "cgroup.procs").write_text(str(pid))
            except ProcessLookupError:  # it is gone already: nothing of it is left to limit
                continue

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

    def limit_hit(self, returncode: int | None = None) -> str | None:
        """"processes" or "memory" when that limit stopped something; ``returncode`` is the run's, if over."""
        if "pids" in self.paths and _read_int(self.paths["pids"] / "pids.events", field=1) > 0:
            return "processes"
        if self.oom_killed(returncode):
            return "memory"
        return None

    def oom_killed(self, returncode: int | None = None) -> bool:
        """Whether the OOM killer killed a task of this run's memory cgroup."""
        if "memory" not in self.paths:
            return False
        control = _read_keyed(self.paths["memory"] / "memory.oom_control")
        if "oom_kill" in control:  # kernels since 4.13 count the kills
            return control["oom_kill"] > 0
        if control.get("under_oom", 0) > 0:
            return True
        # Older kernels: the group reached its limit and the run died of SIGKILL (which the grader's
        # own kills are reported before this is asked).
        at_limit = self.peak_bytes() >= self.memory_bytes - (1 << 20)
        return at_limit and returncode in SIGKILL_STATUSES

    def peak_bytes(self) -> int:
        if "memory" not in self.paths:
            return 0
        return _read_int(self.paths["memory"] / "memory.max_usage_in_bytes")

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


def _read_keyed(path: Path) -> dict[str, int]:
    """A cgroup file of "key value" lines as a dict; empty when unreadable."""
    try:
        pairs = (line.split() for line in path.read_text().splitlines())
        return {pair[0]: int(pair[1]) for pair in pairs if len(pair) == 2 and pair[1].isdigit()}
    except OSError:
        return {}
