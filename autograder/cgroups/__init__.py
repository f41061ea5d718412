"""Kernel limits on one sandboxed run's memory, processes and CPU, and what they did to it.

:class:`Cgroups` gives a run its cgroups under whichever back end this host offers
(:mod:`autograder.cgroups.host` decides): cgroup v1 (:mod:`~autograder.cgroups.v1`) or the
unified v2 hierarchy (:mod:`~autograder.cgroups.v2`). Where neither can be used it holds no paths,
limits nothing and reports nothing: the sandbox's watchdog then limits memory and processes on its
own, by polling, and nothing limits CPU.

A limit is reported only when it changed the run: "processes" when a fork or clone failed at the
pids limit, "memory" when the kernel's OOM killer killed a task of the group.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from autograder.cgroups.base import SIGKILL_STATUSES, RunGroup, RunLimits
from autograder.cgroups.host import PARENT_ENV, Placement
from autograder.cgroups.host import this_host as find_placement
from autograder.cgroups.v1 import V1Backend
from autograder.cgroups.v2 import V2Backend

__all__ = ["PARENT_ENV", "SIGKILL_STATUSES", "Cgroups", "Placement", "remove_stale_groups", "this_host"]
log = logging.getLogger("autograder")


@functools.cache
def this_host() -> Placement:
    """Where this process creates run cgroups (found once; the reason is logged when nowhere). The run
    cgroups that killed graders left there are removed then."""
    found = find_placement()
    if found.backend is None:
        log.warning("no kernel limits on memory, processes and CPU: %s", found.detail)
    else:
        log.debug("run cgroups: %s %s", found.backend.version, found.backend.describe())
        remove_stale_groups(found.backend)
    return found


def remove_stale_groups(backend: V1Backend | V2Backend) -> None:
    """Remove the run cgroups of graders that are gone: a grader killed mid-run (SIGKILL) never
    removes its run's cgroups, though its sandbox dies with it (bubblewrap's --die-with-parent)."""
    for folder in backend.stale_groups():
        try:
            folder.rmdir()  # the kernel refuses while the cgroup still holds a process
        except OSError as error:
            log.warning("could not remove the cgroup %s of a grader that is gone: %s", folder, error)


class Cgroups:
    """The cgroups of one run; a context manager that creates them and removes them on exit (those of
    a grader killed first, the next grader's :func:`this_host` removes).

    ``backend``: where to create them (a :class:`~autograder.cgroups.v1.V1Backend` or
    :class:`~autograder.cgroups.v2.V2Backend`); None: what this host offers (:func:`this_host`)."""

    def __init__(self, memory_mb: int, max_tasks: int, cpus: float = 1.0, backend=None):
        self.limits = RunLimits(memory_mb << 20, max_tasks, cpus)
        self.backend = backend
        self.group = RunGroup(self.limits)  # none until entered

    @property
    def paths(self) -> dict[str, Path]:
        """controller -> the run's folder for it; only the controllers that hold the run."""
        return self.group.paths

    @property
    def version(self) -> str:
        """"cgroup v1", "cgroup v2", or "none" (nothing could be created)."""
        return self.group.version if self.paths else "none"

    def __enter__(self) -> Cgroups:
        backend = self.backend or this_host().backend
        if backend is not None:
            self.group = backend.new_group(self.limits)
        return self

    def __exit__(self, *exc) -> None:
        self.kill_all()
        self.group.remove()

    def wrap(self, command: list[str]) -> list[str]:
        """Enter the cgroups before exec, so every descendant is counted from the start."""
        if not self.paths:
            return command
        joins = " && ".join(f'echo $$ > "{folder}/cgroup.procs"' for folder in self.group.folders)
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sandbox", *command]

    def attach(self, pid: int) -> None:
        """Put a process that has not forked yet into the cgroups (a warm sandbox's run)."""
        for folder in self.group.folders:
            try:
                (folder / "cgroup.procs").write_text(str(pid))
            except ProcessLookupError:  # it is gone already: nothing of it is left to limit
                return

    def kill_all(self) -> None:
        if self.paths:
            self.group.kill()

    def limit_hit(self, returncode: int | None = None) -> str | None:
        """"processes" or "memory" when that limit stopped something; ``returncode`` is the run's, if over."""
        if self.group.pids_limit_hit():
            return "processes"
        if self.paths and self.group.oom_killed(returncode):
            return "memory"
        return None

    def peak_bytes(self) -> int:
        """The run's peak memory as its memory cgroup counted it; 0 where there is none."""
        return (self.group.peak_bytes() if self.paths else None) or 0

    def peak_mb(self, fallback_mb: float) -> float:
        """The memory cgroup's peak (each page once), else ``fallback_mb`` (the watchdog's summed RSS,
        which counts pages that forks share again for each fork)."""
        peak = self.group.peak_bytes() if "memory" in self.paths else None
        return fallback_mb if peak is None else peak / 2**20

    def cpu_seconds(self) -> float | None:
        """CPU time the run used, as its cgroup counted it; None where none does."""
        return self.group.cpu_seconds() if self.paths else None
