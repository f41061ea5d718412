"""cgroup v1: one folder per controller hierarchy (memory, pids, cpu, cpuacct; cpu and cpuacct may
share one, mounted as ``cpu,cpuacct``).

A limit is reported only when it changed the run: ``memory.failcnt`` is no evidence of an OOM kill,
it also counts every time the kernel reclaimed page cache at the limit, which a process that merely
writes a large file causes without losing anything.
"""

from __future__ import annotations

import logging
from pathlib import Path

from autograder.cgroups.base import (
    CPU_PERIOD_US,
    SIGKILL_STATUSES,
    RunGroup,
    RunLimits,
    read_int,
    read_keyed,
    remove_cgroup,
    write,
)
from autograder.disk import pid_name, stale_folders

log = logging.getLogger("autograder")
CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
GROUP_PREFIX = "cnn-grader-"  # + the grader's pid + a random part: a run's folder in each hierarchy


class V1Group(RunGroup):
    """A run's folder in each v1 hierarchy under ``parents`` (controller -> the folder to create it in).

    A controller whose folder or limit cannot be made is left out; the others still hold."""

    version = "cgroup v1"

    def __init__(self, parents: dict[str, Path], name: str, limits: RunLimits):
        super().__init__(limits)
        for controller, parent in parents.items():
            path = parent / name
            if path in self.paths.values():  # co-mounted with a controller already set up (cpu,cpuacct)
                self.paths[controller] = path
                continue
            try:
                path.mkdir()
                for key, value in self._settings(controller, path):
                    write(path / key, value)
                self.paths[controller] = path
            except OSError as error:
                log.debug("no v1 %s cgroup at %s: %s", controller, path, error)
                remove_cgroup(path)

    def _settings(self, controller: str, path: Path) -> list[tuple[str, object]]:
        limits = self.limits
        if controller == "memory":
            settings = [("memory.limit_in_bytes", limits.memory_bytes)]
            if (path / "memory.memsw.limit_in_bytes").exists():  # swap accounting on: no escape into swap
                settings.append(("memory.memsw.limit_in_bytes", limits.memory_bytes))
            return settings
        if controller == "pids":
            return [("pids.max", limits.max_tasks)]
        if controller == "cpu":
            return [("cpu.cfs_period_us", CPU_PERIOD_US), ("cpu.cfs_quota_us", limits.cpu_quota_us)]
        return []  # cpuacct only counts

    def oom_killed(self, returncode: int | None = None) -> bool:
        if "memory" not in self.paths:
            return False
        control = read_keyed(self.paths["memory"] / "memory.oom_control")
        if "oom_kill" in control:  # kernels since 4.13 count the kills
            return control["oom_kill"] > 0
        if control.get("under_oom", 0) > 0:
            return True
        # Older kernels: the group reached its limit and the run died of SIGKILL (which the grader's
        # own kills are reported before this is asked).
        at_limit = (self.peak_bytes() or 0) >= self.limits.memory_bytes - (1 << 20)
        return at_limit and returncode in SIGKILL_STATUSES

    def peak_bytes(self) -> int | None:
        if "memory" not in self.paths:
            return None
        return read_int(self.paths["memory"] / "memory.max_usage_in_bytes")

    def cpu_seconds(self) -> float | None:
        if "cpuacct" not in self.paths:
            return None
        usage = read_int(self.paths["cpuacct"] / "cpuacct.usage")  # nanoseconds
        return None if usage is None else usage / 1e9


class V1Backend:
    """Creates each run's folders under ``parents`` (controller -> folder)."""

    version = "cgroup v1"

    def __init__(self, parents: dict[str, Path]):
        self.parents = parents

    def new_group(self, limits: RunLimits) -> V1Group:
        return V1Group(self.parents, pid_name(GROUP_PREFIX), limits)

    def stale_groups(self) -> list[Path]:
        """The run folders of graders that are gone (killed before they could remove them)."""
        parents = dict.fromkeys(self.parents.values())  # each once (cpu and cpuacct may share one)
        return [folder for parent in parents for folder in stale_folders(parent, GROUP_PREFIX)]

    def available(self) -> list[str]:
        return list(self.parents)

    def describe(self) -> str:
        return "under " + ", ".join(str(parent) for parent in dict.fromkeys(self.parents.values()))


def parents_for(hierarchies: dict[str, Path], own: dict[str, str], relative: str | None,
                is_root: bool) -> dict[str, Path]:
    """Where each controller's run cgroups go: under ``relative`` in each hierarchy if given (an
    operator's choice), else the hierarchy's root for root, else the grader's own cgroup there."""
    parents = {}
    for controller in CONTROLLERS:
        if controller not in hierarchies:
            continue
        if relative is not None:
            parent = hierarchies[controller] / relative
        elif is_root:
            parent = hierarchies[controller]
        else:
            parent = hierarchies[controller] / own.get(controller, "").lstrip("/")
        parents[controller] = parent
    return parents
