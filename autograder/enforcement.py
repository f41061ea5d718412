"""What enforces each limit of a sandboxed run on this host, and refusing to grade where memory is unbounded.

Probed, not assumed: a run's cgroups are created once (and removed), a job folder is mounted once.
"""

from __future__ import annotations

import functools
import shutil

from autograder.cgroups import PARENT_ENV, Cgroups, this_host
from autograder.disk import JobFolder
from autograder.spec import Limits

WATCHDOG = "watchdog (polling, not enforced by the kernel)"
LIMIT_NAMES = ("memory", "processes", "cpu", "wall time", "disk", "file size")


class UnenforcedLimits(RuntimeError):
    """No kernel limit holds a run's memory here, and the operator did not accept that."""


@functools.cache
def enforcement(limits: Limits) -> dict[str, str]:
    """Per limit (:data:`LIMIT_NAMES`), what enforces it here: "cgroup v1", "cgroup v2", "tmpfs",
    "prlimit", the grader's watchdog, or nothing."""
    with Cgroups(limits.memory_mb, limits.max_tasks, limits.cpus) as probe:
        held, version = set(probe.paths), probe.version
    folder = JobFolder(Limits(disk_mb=1))
    with folder:
        disk = folder.mode
    return {
        "memory": version if "memory" in held else WATCHDOG,
        "processes": version if "pids" in held else WATCHDOG,
        "cpu": version if "cpu" in held else "nothing (no cpu cgroup)",
        "wall time": "grader's timer (kills the run)",
        "disk": "tmpfs" if disk == "tmpfs" else f"tmpfs, but a cold run's results folder: {WATCHDOG}",
        "file size": "prlimit" if shutil.which("prlimit") else "nothing (no prlimit)",
    }


KERNEL_LIMITS = ("memory", "processes", "cpu")  # what the kernel must enforce before grading starts


def unenforced(enforced: dict[str, str]) -> list[str]:
    """The limits of :data:`KERNEL_LIMITS` that no cgroup enforces here."""
    return [name for name in KERNEL_LIMITS if not enforced.get(name, "").startswith("cgroup")]


def require_kernel_limits(limits: Limits, allow_unenforced: bool) -> dict[str, str]:
    """The enforcement of ``limits``; raise :class:`UnenforcedLimits` when no cgroup bounds a run's memory,
    processes or CPU, unless ``allow_unenforced``."""
    enforced = enforcement(limits)
    missing = unenforced(enforced)
    if not missing or allow_unenforced:
        return enforced
    raise UnenforcedLimits(
        f"No kernel limit on {', '.join(missing)} can be set for the sandboxed runs on this host "
        f"({this_host().detail or 'no such cgroup could be created'}); only the watchdog's polling would "
        "bound them (a fast allocation or fork can exhaust the machine between two polls), or nothing would "
        "(CPU). Fix: run the grader as root on a host with the cgroup v1 memory, pids and cpu controllers, or "
        "on cgroup v2 in a delegated cgroup (systemd-run --user --scope -p Delegate=yes python -m autograder "
        f"...), or set {PARENT_ENV} to a cgroup this user owns that offers those controllers. "
        "`python -m autograder doctor` shows what this host offers. To grade anyway, pass "
        "--allow-unenforced-limits."
    )
