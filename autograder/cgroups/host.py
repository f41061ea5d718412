"""Which cgroup version this host gives the grader, and where the grader may create run cgroups.

Read from /proc/self/mounts (which hierarchies are mounted where) and /proc/self/cgroup (the
grader's own cgroup in each). The memory controller decides: where it is mounted as cgroup v1, runs
use v1 (as root under each controller's hierarchy root, otherwise under the grader's own cgroup
there if it may write it); otherwise, where a cgroup2 hierarchy offers it, runs use v2 under a
delegated subtree (see :mod:`autograder.cgroups.v2`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder.cgroups.v1 import V1Backend, parents_for
from autograder.cgroups.v2 import V2Backend

# The cgroup (its path inside the hierarchy, as /proc/self/cgroup writes it, e.g.
# /user.slice/user-1000.slice/user@1000.service/grader.scope, or a folder under the mount point)
# that run cgroups are created under, instead of the grader's own; it must be writable by the grader.
# On cgroup v2 the grader moves itself into its "grader" leaf and creates runs beside it.
PARENT_ENV = "CNN_GRADER_CGROUP"


@dataclass
class Mounted:
    """The cgroup hierarchies mounted here: v1 controller -> mount point, and the cgroup2 mount."""

    v1: dict[str, Path] = field(default_factory=dict)
    v2: Path | None = None


@dataclass
class Placement:
    """Where run cgroups go on this host: a back end (None: no cgroups), and why, for the operator."""

    backend: V1Backend | V2Backend | None
    detail: str


def mounted(mounts_text: str) -> Mounted:
    """The hierarchies in a /proc/self/mounts text (the first mount of each counts)."""
    found = Mounted()
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        point, kind, options = Path(fields[1]), fields[2], fields[3].split(",")
        if kind == "cgroup2" and found.v2 is None:
            found.v2 = point
        elif kind == "cgroup":
            for controller in options:
                found.v1.setdefault(controller, point)
    return found


def own_cgroups(proc_cgroup_text: str) -> dict[str, str]:
    """controller -> this process's cgroup path in its v1 hierarchy; "" -> its cgroup v2 path."""
    own = {}
    for line in proc_cgroup_text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def relative(cgroup: str, mount_points: list[Path]) -> str:
    """``cgroup`` as a path inside its hierarchy (an absolute folder under a mount point is accepted)."""
    for point in mount_points:
        if Path(cgroup).is_relative_to(point) and point != Path("/"):
            return str(Path(cgroup).relative_to(point))
    return cgroup.lstrip("/")


def placement(mounts_text: str, proc_cgroup_text: str, parent: str | None, is_root: bool) -> Placement:
    """Where this host lets the grader create run cgroups (see the module's docstring)."""
    found, own = mounted(mounts_text), own_cgroups(proc_cgroup_text)
    where = None if parent is None else relative(parent, [*found.v1.values(), *filter(None, [found.v2])])
    if "memory" in found.v1:
        parents = {c: p for c, p in parents_for(found.v1, own, where, is_root).items() if _writable(p)}
        if "memory" not in parents:
            return Placement(None, f"cgroup v1: may not create cgroups in {found.v1['memory']} "
                                   f"(not root; set {PARENT_ENV} to a memory cgroup this user owns)")
        return Placement(V1Backend(parents), "")
    if found.v2 is None:
        return Placement(None, "no cgroup hierarchy with a memory controller is mounted")
    delegated = found.v2 / (where if where is not None else own.get("", "").lstrip("/"))
    backend = V2Backend(delegated)
    offered = backend.available()
    if not _writable(delegated) or not _writable(delegated / "cgroup.subtree_control"):
        return Placement(None, f"cgroup v2: {delegated} is not delegated to this user (start the grader in a "
                               f"scope with Delegate=yes, or set {PARENT_ENV} to a cgroup it owns)")
    if "memory" not in offered:
        return Placement(None, f"cgroup v2: {delegated} offers no memory controller "
                               f"(its cgroup.controllers lists: {' '.join(offered) or 'none of memory, pids, cpu'})")
    return Placement(backend, "")


def this_host() -> Placement:
    """:func:`placement` for this process."""
    return placement(Path("/proc/self/mounts").read_text(), Path("/proc/self/cgroup").read_text(),
                     os.environ.get(PARENT_ENV) or None, os.geteuid() == 0)


def _writable(path: Path) -> bool:
    return path.exists() and os.access(path, os.W_OK)
