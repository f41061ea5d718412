"""``python -m autograder doctor``: can this host grade untrusted notebooks safely?

Each probe is a small function returning one :class:`Row` (name, ok, detail). A failed probe in
:data:`SAFETY` makes grading unsafe here and the command exit with status 1; any other failed probe is
reported as a problem to fix (a missing data file, a gradebook driver) without that status.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from autograder import enforcement
from autograder.cgroups import Cgroups, this_host
from autograder.disk import JobFolder
from autograder.sandbox import MIN_BWRAP, SandboxUnavailable, bubblewrap_version, check_available, sandbox_uid
from autograder.spec import Limits

MIN_FREE_BYTES = 2 << 30  # free disk below which a grading folder or /tmp is reported


class Row(NamedTuple):
    name: str
    ok: bool
    detail: str


def bwrap_version() -> str | None:
    """``bwrap --version``'s output, or None when bubblewrap is not installed."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return None
    return subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()


def probe_bubblewrap(version_text: str | None) -> Row:
    """Installed, and new enough for ``--size`` (0.7)."""
    if version_text is None:
        return Row("bubblewrap", False, "not installed: apt-get install bubblewrap")
    version = bubblewrap_version(version_text)
    if version is None:
        return Row("bubblewrap", False, f"unknown version {version_text!r}")
    shown = ".".join(map(str, version))
    if version[:2] < MIN_BWRAP:
        return Row("bubblewrap", False, f"{shown} is older than 0.7: no --size, so the sandbox's scratch file systems "
                                        "are unbounded; install bubblewrap 0.7 or later")
    return Row("bubblewrap", True, f"{shown} (--size supported)")


def probe_remount_ro() -> Row:
    bwrap = shutil.which("bwrap")
    usage = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10).stdout if bwrap else ""
    return Row("bubblewrap --remount-ro", "--remount-ro" in usage, "supported" if "--remount-ro" in usage else "missing")


def probe_user_namespaces() -> Row:
    """A sandbox starts, as the user sandboxes run as (its own user namespace included)."""
    if not shutil.which("bwrap"):
        return Row("user namespaces", False, "untested: no bubblewrap")
    uid = sandbox_uid()
    user = f"uid {uid}, unprivileged" if uid is not None else "the grader's own user"
    try:
        check_available()
    except SandboxUnavailable as error:
        return Row("user namespaces", False, f"{error} (enable kernel.unprivileged_userns_clone, or allow bwrap in "
                                             "AppArmor's user namespace restriction)")
    return Row("user namespaces", True, f"a sandbox starts as {user}")


def probe_cgroups() -> Row:
    placement = this_host()
    if placement.backend is None:
        return Row("cgroups", False, placement.detail)
    with Cgroups(64, 16) as probe:
        created = sorted(probe.paths)
    return Row("cgroups", "memory" in created,
               f"{placement.backend.version} {placement.backend.describe()}; created: {', '.join(created) or 'none'}")


def probe_tmpfs() -> Row:
    folder = JobFolder(Limits(disk_mb=1))
    with folder:
        mounted = folder.mode == "tmpfs"
    return Row("tmpfs job folders", mounted, "mounted" if mounted else "not allowed here: the watchdog measures job folders")


def probe_root() -> Row:
    return Row("root", True, "yes" if os.geteuid() == 0 else f"no (uid {os.geteuid()})")


def probe_versions() -> Row:
    found = [f"Python {sys.version.split()[0]}"]
    for label, names in (("TensorFlow", ("tensorflow", "tensorflow-cpu", "tensorflow-macos")), ("Keras", ("keras",))):
        found.append(f"{label} {next((v for v in map(_version, names) if v), 'not installed')}")
    return Row("versions", "not installed" not in " ".join(found), ", ".join(found))


def probe_course_data() -> Row:
    """Every course data file present verifies against SHA256SUMS (nothing is downloaded)."""
    from cnn_course import data

    manifest, roots = data.manifest(), data.search_roots()
    missing, corrupt = [], []
    for name, digest in manifest.items():
        path = next((root / name for root in roots if (root / name).is_file()), None)
        if path is None:
            missing.append(name)
        elif data.sha256(path) != digest:
            corrupt.append(name)
    where = ", ".join(map(str, roots))
    if corrupt:
        return Row("course data", False, f"{len(corrupt)} files corrupt in {where}, e.g. {corrupt[0]}")
    if missing:
        return Row("course data", False, f"{len(missing)} of {len(manifest)} files missing from {where} "
                                         f"(set {data.DATA_ENV}, or let the data layer download them)")
    return Row("course data", True, f"{len(manifest)} files verify in {where}")


def probe_gradebook(url: str) -> Row:
    import sqlalchemy

    try:
        sqlalchemy.create_engine(url).dispose()  # imports the driver, connects to nothing
    except Exception as error:  # noqa: BLE001 - any failure here is the operator's to see
        return Row("gradebook", False, f"{url}: {type(error).__name__}: {error}")
    return Row("gradebook", True, f"{url} (driver imports)")


def probe_free_disk(name: str, path: Path) -> Row:
    existing = next(p for p in [path, *path.parents] if p.exists())
    free = shutil.disk_usage(existing).free
    return Row(name, free >= MIN_FREE_BYTES, f"{free / 2**30:.1f} GiB free at {existing}")


def probe_limits(limits: Limits, allow_unenforced: bool) -> list[Row]:
    enforced = enforcement.enforcement(limits)
    missing = [] if allow_unenforced else enforcement.unenforced(enforced)
    return [Row(f"limit: {name}", name not in missing, enforced[name]) for name in enforced]


SAFETY = ("bubblewrap", "user namespaces", *(f"limit: {name}" for name in enforcement.KERNEL_LIMITS))


def diagnose(course_dir: Path, gradebook_url: str, limits: Limits, allow_unenforced: bool) -> list[Row]:
    return [
        probe_bubblewrap(bwrap_version()), probe_remount_ro(), probe_user_namespaces(), probe_cgroups(),
        probe_tmpfs(), probe_root(), probe_versions(), probe_course_data(), probe_gradebook(gradebook_url),
        probe_free_disk("free disk (grading folder)", course_dir), probe_free_disk("free disk (/tmp)", Path("/tmp")),
        *probe_limits(limits, allow_unenforced),
    ]


def unsafe(rows: list[Row]) -> list[Row]:
    return [row for row in rows if row.name in SAFETY and not row.ok]


def report(rows: list[Row]) -> str:
    width = max(len(row.name) for row in rows)
    lines = [f"{'ok ' if row.ok else 'BAD'}  {row.name:{width}}  {row.detail}" for row in rows]
    bad = unsafe(rows)
    lines.append("Grading here is unsafe: " + ", ".join(row.name for row in bad) if bad else
                 "Grading here is safe" + (" (see the problems marked BAD)" if not all(r.ok for r in rows) else "."))
    return "\n".join(lines)


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
