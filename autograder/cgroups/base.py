"""What every cgroup back end shares: the limits of one run, its folders, reading and removing them."""

from __future__ import annotations

import errno
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("autograder")
SIGKILL_STATUSES = (-signal.SIGKILL, 128 + signal.SIGKILL)  # Popen's and a shell's (or bwrap's) way
CPU_PERIOD_US = 100_000  # the scheduler period the CPU quota is a share of (the kernel's default)
MIN_CPU_QUOTA_US = 1_000  # the smallest quota the kernel accepts


@dataclass(frozen=True)
class RunLimits:
    """What one run's cgroups hold it to."""

    memory_bytes: int  # all its processes together, page cache and tmpfs files included
    max_tasks: int  # processes and threads
    cpus: float  # CPUs its processes may use together (a quota per scheduler period)

    @property
    def cpu_quota_us(self) -> int:
        return max(MIN_CPU_QUOTA_US, round(self.cpus * CPU_PERIOD_US))


class RunGroup:
    """The cgroups of one run under one cgroup version; ``paths`` maps each controller to its folder
    (several controllers may share one folder). A back end subclasses it and creates them."""

    version = "none"

    def __init__(self, limits: RunLimits):
        self.limits = limits
        self.paths: dict[str, Path] = {}

    @property
    def folders(self) -> list[Path]:
        """Each folder once, in the order the controllers were created."""
        return list(dict.fromkeys(self.paths.values()))

    def oom_killed(self, returncode: int | None = None) -> bool:
        raise NotImplementedError

    def peak_bytes(self) -> int | None:
        """The most memory the run held at once, counted once however many processes shared it;
        None where the kernel does not say."""
        raise NotImplementedError

    def cpu_seconds(self) -> float | None:
        """CPU time the run's processes used together; None where no controller counts it."""
        raise NotImplementedError

    def pids_limit_hit(self) -> bool:
        """Whether a fork or clone failed at the pids limit (v1 and v2 both count it as "max N")."""
        return "pids" in self.paths and read_keyed(self.paths["pids"] / "pids.events").get("max", 0) > 0

    def processes(self) -> set[int]:
        pids = set()
        for folder in self.folders:
            try:
                pids |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                continue
        return pids

    def kill(self) -> None:
        """SIGKILL every process of the run until none is left (a fork meanwhile is killed next time)."""
        for _ in range(50):
            pids = self.processes()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)

    def remove(self) -> None:
        for folder in self.folders:
            remove_cgroup(folder)


def remove_cgroup(path: Path) -> None:
    """Remove an empty cgroup, waiting a moment for its last processes to be reaped."""
    for _ in range(20):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != errno.EBUSY:  # not a cgroup with exiting tasks: waiting will not help
                log.warning("could not remove the cgroup %s: %s", path, error)
                return
            time.sleep(0.05)
    log.warning("could not remove the cgroup %s: its processes did not exit", path)


def write(path: Path, value: object) -> None:
    path.write_text(str(value))


def read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def read_keyed(path: Path) -> dict[str, int]:
    """A cgroup file of "key value" lines as a dict; empty when unreadable."""
    try:
        pairs = (line.split() for line in path.read_text().splitlines())
        return {pair[0]: int(pair[1]) for pair in pairs if len(pair) == 2 and pair[1].isdigit()}
    except OSError:
        return {}
