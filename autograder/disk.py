"""Disk quotas of a sandboxed run: a job folder of bounded size, and what the run wrote.

A :class:`JobFolder` is a size-limited tmpfs where this process may mount one (root): the kernel
refuses writes past the quota (ENOSPC) and nothing reaches the host's disk. Elsewhere it is a
plain temporary directory, and the sandbox's watchdog measures it (:class:`DiskWatch`) and kills
the run past the quota. The sandbox's /tmp is a tmpfs that bubblewrap bounds; :class:`DiskWatch`
holds it open, so its usage can still be read once the sandbox is gone.

Files on a tmpfs live in memory: they also count against the run's memory cgroup.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import re
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from autograder.spec import Limits

SCRATCH = ("/tmp", "/home/student")  # a run's own tmpfs, each of the disk quota's size, inside its sandbox
MAX_ENTRIES = 100_000  # files and folders a watched folder may hold; more counts as over quota
FULL_MARGIN = 1 << 20  # bytes: a folder this close to its quota is full (writes fail there)
MS_NOSUID, MS_NODEV, MNT_DETACH = 2, 4, 2  # from <sys/mount.h>

log = logging.getLogger(__name__)
_libc = ctypes.CDLL(None, use_errno=True)


class JobFolder:
    """A temporary job folder that holds at most ``limits.disk_mb`` MB; gone, unmounted, on exit.

    ``with JobFolder(limits, parent=work_root) as path:`` gives the folder's path. ``mode`` says how
    the quota is enforced: "tmpfs" (the kernel refuses writes past it) or "watched" (mounting is not
    allowed here, or ``mount=False``: the sandbox's watchdog kills the run past it).
    """

    def __init__(self, limits: Limits, parent: str | os.PathLike | None = None,
                 prefix: str = "cnn-grader-", mount: bool = True):
        self.quota_bytes = limits.disk_mb << 20
        self.parent, self.prefix, self.mount = parent, prefix, mount
        self.path: Path | None = None
        self.mode: str | None = None  # "tmpfs" or "watched", once entered

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix=self.prefix, dir=self.parent))
        self.mode = "watched"
        if self.mount:
            try:
                _mount_tmpfs(self.path, self.quota_bytes)
                self.mode = "tmpfs"
            except OSError as error:
                log.debug("job folder %s is watched, not a tmpfs: %s", self.path, error)
        self.path.chmod(0o777)  # the sandbox's user may differ from the grader's
        return self.path

    def __exit__(self, *exc) -> None:
        path, self.path = self.path, None
        if path is None:
            return
        if self.mode == "tmpfs":
            _unmount(path)
        _remove_tree(path)


class DiskWatch:
    """Usage of a run's writable folders and of its own scratch file systems, each against the same quota.

    A folder that is a mount point no larger than the quota is bounded by its file system and read
    with statvfs; any other folder is walked (no link followed, at most MAX_ENTRIES entries), and
    :meth:`sample` reports it past the quota. The sandbox's scratch tmpfs (its /tmp, and its home in
    a cold run) are found through a process inside it (:meth:`attach_scratch`) and kept open until
    :meth:`close`, so they can still be read once the sandbox is gone.
    """

    def __init__(self, folders: Iterable[Path], quota_bytes: int, scratch: Iterable[str] = SCRATCH):
        self.quota_bytes = quota_bytes
        self.bounded, self.walked = [], []
        for folder in folders:
            (self.bounded if _capacity(folder) <= quota_bytes + FULL_MARGIN else self.walked).append(folder)
        self.scratch_fds: dict[str, int | None] = dict.fromkeys(scratch)
        self.peak_bytes = 0
        self.full = False  # some folder, or a scratch file system, reached its size or the quota (within FULL_MARGIN)

    @property
    def attached(self) -> bool:
        """Whether every scratch file system of the sandbox is held."""
        return None not in self.scratch_fds.values()

    def attach_scratch(self, pids: Iterable[int]) -> None:
        """Hold the sandbox's scratch file systems, seen from the first of ``pids`` where each is that tmpfs."""
        if self.attached:
            return
        host_devices = {os.stat(folder).st_dev for folder in self.scratch_fds if os.path.isdir(folder)}
        for pid in pids:
            for folder in [f for f, fd in self.scratch_fds.items() if fd is None]:
                try:
                    fd = os.open(f"/proc/{pid}/root{folder}",
                                 os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
                except OSError:
                    continue
                info = os.fstatvfs(fd)
                # Before bwrap has switched roots, a process's folders are still the host's.
                if os.fstat(fd).st_dev not in host_devices and info.f_blocks * info.f_frsize == self.quota_bytes:
                    self.scratch_fds[folder] = fd
                else:
                    os.close(fd)
            if self.attached:
                return

    def sample(self) -> bool:
        """Measure everything once; True when a walked folder is past the quota."""
        areas = [_used_and_size(os.statvfs(folder)) for folder in self.bounded]  # (bytes used, size)
        areas += [_used_and_size(os.fstatvfs(fd)) for fd in self.scratch_fds.values() if fd is not None]
        over = False
        for folder in self.walked:
            used = folder_usage(folder)
            over = over or used is None or used > self.quota_bytes
            areas.append((self.quota_bytes if used is None else used, self.quota_bytes))
        for used, size in areas:
            self.peak_bytes = max(self.peak_bytes, used)
            self.full = self.full or used >= size - FULL_MARGIN
        return over

    def close(self) -> None:
        for folder, fd in self.scratch_fds.items():
            if fd is not None:
                os.close(fd)  # the last reference: the kernel frees that file system
                self.scratch_fds[folder] = None

    def __enter__(self) -> DiskWatch:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def folder_usage(path: Path, max_entries: int = MAX_ENTRIES) -> int | None:
    """Bytes allocated under ``path`` (sparse files count what they hold; links are not followed);
    None when it holds more than ``max_entries`` entries."""
    try:
        total = os.lstat(path).st_blocks * 512
    except OSError:
        return 0
    folders, seen = [path], 0
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if seen > max_entries:
                        return None
                    try:
                        total += entry.stat(follow_symlinks=False).st_blocks * 512
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(entry.path)
                    except OSError:  # removed while we looked
                        continue
        except (NotADirectoryError, FileNotFoundError, PermissionError):
            continue
    return total


def pid_name(prefix: str) -> str:
    """A fresh name that says which process it belongs to: ``prefix``, this process's id, a random part.
    What such a process leaves behind when it is killed, :func:`stale_folders` finds."""
    return f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:12]}"


def stale_folders(parent: Path, prefix: str) -> list[Path]:
    """The folders in ``parent`` named by :func:`pid_name` with ``prefix`` that this user owns and whose
    process is gone (killed before it could remove them); a link is never one."""
    named = re.compile(re.escape(prefix) + r"(\d+)-")
    try:
        with os.scandir(parent) as entries:
            candidates = [(entry, match) for entry in entries if (match := named.match(entry.name))]
    except OSError:
        return []
    stale = []
    for entry, match in candidates:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:  # removed meanwhile
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not psutil.pid_exists(int(match.group(1))):
            stale.append(Path(entry.path))
    return stale


def remove_stale_folders(prefix: str) -> None:
    """Remove the temporary folders named by :func:`pid_name` with ``prefix`` of graders that are gone."""
    for folder in stale_folders(Path(tempfile.gettempdir()), prefix):
        _remove_tree(folder)


def _used_and_size(info: os.statvfs_result) -> tuple[int, int]:
    return (info.f_blocks - info.f_bfree) * info.f_frsize, info.f_blocks * info.f_frsize


def _capacity(path: Path) -> float:
    """The size of the file system mounted at ``path``; infinite unless ``path`` is a mount point."""
    try:
        info = os.statvfs(path) if os.path.ismount(path) else None
    except OSError:
        info = None
    return info.f_blocks * info.f_frsize if info else float("inf")


def _mount_tmpfs(path: Path, size_bytes: int) -> None:
    options = f"size={size_bytes},mode=0777".encode()
    if _libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"mount tmpfs: {os.strerror(code)}", str(path))


def _unmount(path: Path) -> None:
    """Unmount ``path``; if something still holds it, detach it (the kernel frees it when let go)."""
    if _libc.umount2(os.fsencode(path), 0) == 0:
        return
    code = ctypes.get_errno()
    if code == errno.EBUSY and _libc.umount2(os.fsencode(path), MNT_DETACH) == 0:
        return
    if code != errno.EINVAL:  # EINVAL: not a mount point (any more)
        log.error("could not unmount the job folder %s: %s", path, os.strerror(code))


def _remove_tree(path: Path) -> None:
    """Remove a job folder, whatever permissions the student took away from its folders."""
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.lexists(path):
        return
    folders = [str(path)]  # no process of the run is left: nothing can swap a folder for a link
    while folders:
        folder = folders.pop()
        try:
            os.chmod(folder, stat.S_IRWXU)
            with os.scandir(folder) as entries:
                folders += [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
        except OSError:
            continue
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):
        log.warning("could not remove the job folder %s", path)
