"""cgroup v2: every run is one folder of the unified hierarchy, under a delegated subtree.

Runs are created as ``<delegated>/run-<id>``. v2's "no internal processes" rule forbids a cgroup
that holds processes to hand controllers to its children, so before the first run the grader moves
the delegated cgroup's processes (itself included) into the leaf ``<delegated>/grader`` and enables
memory, pids and cpu in ``<delegated>/cgroup.subtree_control``. A hierarchy's root is exempt from the
rule (it has no ``cgroup.type``): there nothing is moved.

The kernel reports what a limit did: ``memory.events`` counts OOM kills (``oom_kill``), ``pids.events``
refused forks (``max``); ``memory.peak`` is the run's peak memory (Linux 5.19+), ``cgroup.kill`` kills
every process of it at once (Linux 5.14+; before, each process is sent SIGKILL).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from autograder.cgroups.base import (
    CPU_PERIOD_US,
    RunGroup,
    RunLimits,
    read_int,
    read_keyed,
    remove_cgroup,
    write,
)
from autograder.disk import pid_name, stale_folders

log = logging.getLogger("autograder")
CONTROLLERS = ("memory", "pids", "cpu")
GROUP_PREFIX = "run-"  # + the grader's pid + a random part: a run's cgroup in the delegated one
GRADER_LEAF = "grader"  # where the grader's own processes live inside the delegated cgroup


class V2Backend:
    """A v2 cgroup this process may manage: runs are created in it as siblings of the grader's leaf."""

    def __init__(self, delegated: Path):
        self.delegated = delegated
        self._lock = threading.Lock()
        self._enabled: tuple[str, ...] | None = None

    def available(self) -> list[str]:
        """The wanted controllers the delegated cgroup offers its children (cgroup.controllers)."""
        try:
            offered = (self.delegated / "cgroup.controllers").read_text().split()
        except OSError:
            return []
        return [c for c in CONTROLLERS if c in offered]

    def enabled(self) -> tuple[str, ...]:
        """Controllers enabled for the runs; the first call moves the grader into its leaf and enables them."""
        with self._lock:
            if self._enabled is None:
                self._enabled = self._prepare()
            return self._enabled

    def _prepare(self) -> tuple[str, ...]:
        wanted = self.available()
        if not wanted:
            return ()
        if (self.delegated / "cgroup.type").exists():  # not a hierarchy's root: the rule applies
            self._move_processes_to_leaf()
        active = set((self.delegated / "cgroup.subtree_control").read_text().split())
        for controller in wanted:
            if controller in active:
                continue
            try:
                write(self.delegated / "cgroup.subtree_control", f"+{controller}")
                active.add(controller)
            except OSError as error:
                log.warning("cgroup v2: could not enable %s in %s: %s", controller, self.delegated, error)
        return tuple(c for c in wanted if c in active)

    def _move_processes_to_leaf(self) -> None:
        try:
            pids = (self.delegated / "cgroup.procs").read_text().split()
        except OSError:
            pids = [str(os.getpid())]
        if not pids:
            return
        leaf = self.delegated / GRADER_LEAF
        leaf.mkdir(exist_ok=True)
        for pid in pids:
            try:
                write(leaf / "cgroup.procs", pid)
            except ProcessLookupError:
                continue
        log.info("cgroup v2: moved %d processes (the grader's) into %s", len(pids), leaf)

    version = "cgroup v2"

    def new_group(self, limits: RunLimits) -> V2Group:
        return V2Group(self.delegated / pid_name(GROUP_PREFIX), self.enabled(), limits)

    def stale_groups(self) -> list[Path]:
        """The run cgroups of graders that are gone (killed before they could remove them)."""
        return stale_folders(self.delegated, GROUP_PREFIX)

    def describe(self) -> str:
        return f"under {self.delegated}"


class V2Group(RunGroup):
    """One run's v2 cgroup at ``path``, holding the ``controllers`` its parent enabled."""

    version = "cgroup v2"

    def __init__(self, path: Path, controllers: tuple[str, ...], limits: RunLimits):
        super().__init__(limits)
        if not controllers:
            return
        try:
            path.mkdir()
        except OSError as error:
            log.debug("no v2 cgroup at %s: %s", path, error)
            return
        for controller in controllers:
            try:
                self._set(controller, path)
                self.paths[controller] = path
            except OSError as error:
                log.debug("v2 %s limit not set in %s: %s", controller, path, error)
        if not self.paths:
            remove_cgroup(path)

    def _set(self, controller: str, path: Path) -> None:
        limits = self.limits
        if controller == "memory":
            write(path / "memory.max", limits.memory_bytes)
            try:
                write(path / "memory.swap.max", 0)  # no escape into swap
            except OSError:  # swap accounting off: nothing to escape into that the kernel counts
                pass
        elif controller == "pids":
            write(path / "pids.max", limits.max_tasks)
        elif controller == "cpu":
            write(path / "cpu.max", f"{limits.cpu_quota_us} {CPU_PERIOD_US}")

    def oom_killed(self, returncode: int | None = None) -> bool:
        return "memory" in self.paths and read_keyed(self.paths["memory"] / "memory.events").get("oom_kill", 0) > 0

    def peak_bytes(self) -> int | None:
        if "memory" not in self.paths:
            return None
        return read_int(self.paths["memory"] / "memory.peak")

    def cpu_seconds(self) -> float | None:
        for folder in self.folders:
            usage = read_keyed(folder / "cpu.stat").get("usage_usec")
            if usage is not None:
                return usage / 1e6
        return None

    def kill(self) -> None:
        for folder in self.folders:
            if not (folder / "cgroup.kill").exists():
                return super().kill()
            write(folder / "cgroup.kill", 1)
        for _ in range(50):  # the kernel kills asynchronously: wait until the run is gone
            if not self.processes():
                return
            time.sleep(0.05)
        super().kill()
