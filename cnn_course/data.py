"""The course's data layer: find every dataset and weight file by name, verified.

A file such as ``signs/train_signs.h5`` is looked for, in order, in

1. the folder named by ``$CNN_COURSE_DATA`` (CI, offline machines, a JupyterHub's shared copy),
2. the user cache ``$CNN_COURSE_CACHE`` or ``~/.cache/cnn-course`` (earlier downloads),
3. a download into that cache (online users): the course's data release, one archive from
   ``$CNN_COURSE_DATA_URL`` or :data:`cnn_course.locations.DATA_URL`, fetched once, checked against its
   published SHA-256, unpacked file by file.

Every file is checked against the SHA-256 listed in ``SHA256SUMS`` before it is used or enters the
cache; nothing half-written is ever left there. A missing or corrupt file, or a failed download,
raises one :class:`DataError` naming the file, what happened and what to do.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import tarfile
import tempfile
from importlib import resources
from pathlib import Path, PurePosixPath

from cnn_course import download, locations

DATA_ENV = "CNN_COURSE_DATA"
CACHE_ENV = "CNN_COURSE_CACHE"
URL_ENV = "CNN_COURSE_DATA_URL"
OFFLINE_ENV = "CNN_COURSE_OFFLINE"

SIGNS_TRAIN = "signs/train_signs.h5"
SIGNS_TEST = "signs/test_signs.h5"
ALPACA_DIR = "alpaca"
MOBILENET_V2_WEIGHTS = "weights/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"

# Inside the release archive every file sits under this folder, so that it unpacks into one place.
ARCHIVE_ROOT = f"cnn-course-data-{locations.DATA_VERSION}"


class DataError(RuntimeError):
    """A course data file is missing, does not match its checksum, or could not be downloaded."""


@functools.cache
def manifest() -> dict[str, str]:
    """Map every known data file (relative path) to its SHA-256."""
    text = resources.files("cnn_course").joinpath("SHA256SUMS").read_text()
    entries = {}
    for line in text.splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            entries[name.strip()] = digest
    return entries


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cnn-course").expanduser()


def release_url() -> str:
    """The folder URL serving the data release (ends with /)."""
    return (os.environ.get(URL_ENV) or locations.DATA_URL).rstrip("/") + "/"


def search_roots() -> list[Path]:
    """Folders searched for data files, in order."""
    roots = []
    if os.environ.get(DATA_ENV):
        roots.append(Path(os.environ[DATA_ENV]).expanduser())
    roots.append(cache_dir())
    return roots


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _how_to_get(name: str) -> str:
    return (
        f"Set {DATA_ENV} to a folder that holds '{name}' (the course data folder, e.g. "
        f"{DATA_ENV}=../shared/data, or the data release {locations.DATA_ARCHIVE} unpacked), or go online "
        f"once so that it can be downloaded into {cache_dir()}."
    )


def _expected_digest(name: str) -> str:
    try:
        return manifest()[name]
    except KeyError:
        raise DataError(f"'{name}' is not a course data file (it is not listed in SHA256SUMS).") from None


def _online_allowed() -> bool:
    return os.environ.get(OFFLINE_ENV, "").lower() not in {"1", "true", "yes"}


@functools.cache
def _verified(path: Path, mtime_ns: int, size: int, digest: str) -> bool:
    return sha256(path) == digest


def _check(name: str, path: Path) -> Path:
    stat = path.stat()
    if not _verified(path, stat.st_mtime_ns, stat.st_size, _expected_digest(name)):
        raise DataError(
            f"'{path}' is corrupt: its SHA-256 does not match the course's checksum for '{name}'. "
            f"Delete it and fetch it again. {_how_to_get(name)}"
        )
    return path


def _find(name: str) -> Path | None:
    for root in search_roots():
        candidate = root / name
        if candidate.is_file():
            return _check(name, candidate)
    return None


def resolve(name: str) -> Path:
    """Return the verified local path of data file ``name``, downloading the data release if allowed."""
    _expected_digest(name)
    found = _find(name)
    if found:
        return found
    if os.environ.get(DATA_ENV) or not _online_allowed():
        searched = ", ".join(str(root) for root in search_roots())
        why = f"{OFFLINE_ENV} forbids downloads" if not _online_allowed() else f"{DATA_ENV} is set, so nothing is downloaded"
        raise DataError(f"Course data file '{name}' was not found (searched {searched}; {why}). {_how_to_get(name)}")
    fetch_release(needed_for=name)
    found = _find(name)
    if not found:
        raise DataError(
            f"Course data file '{name}' is not in the data release at {release_url()}{locations.DATA_ARCHIVE}, "
            f"so that release does not belong to this version of cnn_course. Point {URL_ENV} at the release "
            f"data-{locations.DATA_VERSION} of the course, or update cnn_course."
        )
    return found


def _names_under(prefix: str) -> list[str]:
    return [name for name in manifest() if name.startswith(prefix.rstrip("/") + "/")]


def resolve_dir(prefix: str) -> Path:
    """Return the verified local folder holding every data file under ``prefix``."""
    names = _names_under(prefix)
    if not names:
        raise DataError(f"'{prefix}' is not a course data folder (nothing under it in SHA256SUMS).")
    paths = [resolve(name) for name in names]
    depth = len(Path(prefix).parts)
    folder = paths[0].parents[len(Path(names[0]).parts) - depth - 1]
    return folder


def require(*names: str) -> None:
    """Make sure the data files (or folders) ``names`` are here, downloading the data release once if not.

    The setup cell of a notebook calls this, so a reader on a fresh machine sees the download (with a
    progress bar) before the first cell that reads data. Where the data is already here it only checks it.
    """
    for name in names:
        resolve(name) if name in manifest() else resolve_dir(name)


# The data release: one archive of every data file, its SHA-256 and a manifest (see data_release.py).

def _advice(error: download.DownloadError) -> str:
    if error.kind == download.OFFLINE:
        return (f"You seem to be offline. Connect to the internet and run this again, or get the data another "
                f"way: unpack {locations.DATA_ARCHIVE} (from {release_url()}) anywhere and set {DATA_ENV} to the "
                f"folder {ARCHIVE_ROOT} it creates.")
    if error.kind == download.INTERRUPTED:
        return (f"The download was retried {download.ATTEMPTS} times, resuming each time where it stopped. Check your "
                f"connection and run this again.")
    if error.kind == download.LOCAL:
        return f"Make {cache_dir()} writable, or set {CACHE_ENV} to a folder you can write to, then run this again."
    if error.kind == download.DISK:
        return (f"Free some space on the disk holding {cache_dir()} (the data needs about 85 MB while it is unpacked, 45 MB after), or set "
                f"{CACHE_ENV} to a folder on a disk with room, then run this again.")
    if error.status in {401, 403, 404, 410}:
        return (f"The data release is not published at {release_url()}. If you run your own copy of the course, "
                f"publish it there (make data-release; README, 'Running the course elsewhere') or set {URL_ENV} "
                f"to where it is; otherwise tell the course's staff.")
    return "The server is having trouble: try again later, and tell the course's staff if it persists."


def _failed(needed_for: str | None, what: str, advice: str) -> DataError:
    subject = f"course data file '{needed_for}'" if needed_for else "the course data"
    return DataError(f"Could not download {subject}: {what}. {advice}")


def _published_digest(needed_for: str | None, url: str) -> str:
    try:
        text = download.read_text(url)
    except download.DownloadError as error:
        raise _failed(needed_for, f"fetching the checksum {url} failed: {error.what}", _advice(error)) from error
    match = re.match(r"\s*([0-9a-fA-F]{64})\b", text)
    if not match:
        raise _failed(needed_for, f"{url} does not hold a SHA-256 checksum",
                      "The data release is broken: tell the course's staff (make data-release writes that file).")
    return match.group(1).lower()


def fetch_release(needed_for: str | None = None) -> None:
    """Download the data release into the cache: one archive, checked against its published SHA-256,
    then every file it holds checked against SHA256SUMS on its way into the cache."""
    base, cache = release_url(), cache_dir()
    archive_url = base + locations.DATA_ARCHIVE
    expected = _published_digest(needed_for, base + locations.DATA_CHECKSUM)
    try:
        with download.downloaded(archive_url, cache, locations.DATA_ARCHIVE) as archive:
            actual = sha256(archive)
            if actual != expected:
                raise _failed(
                    needed_for,
                    f"the archive {archive_url} ({archive.stat().st_size:,} bytes) does not match its published "
                    f"SHA-256 ({locations.DATA_CHECKSUM}): it was damaged on the way, or the release is inconsistent. "
                    f"Nothing was installed",
                    "Run this again; if it fails the same way, tell the course's staff (the release must be rebuilt "
                    "with make data-release and uploaded again).",
                )
            _install(archive, cache, needed_for, archive_url)
    except download.DownloadError as error:
        raise _failed(needed_for, f"downloading {error.url} failed: {error.what}", _advice(error)) from error


def _install(archive: Path, cache: Path, needed_for: str | None, archive_url: str) -> None:
    """Unpack every course data file of ``archive`` into ``cache``, each verified before it lands."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                path = PurePosixPath(member.name)
                if not member.isfile() or not path.parts or path.parts[0] != ARCHIVE_ROOT:
                    continue
                name = str(PurePosixPath(*path.parts[1:]))
                if name not in manifest():
                    continue  # README, SHA256SUMS: not data files
                target = cache / name
                if target.is_file() and sha256(target) == manifest()[name]:
                    continue
                _install_file(tar.extractfile(member), target, name, archive_url)
    except (tarfile.TarError, EOFError, OSError) as error:
        if isinstance(error, OSError) and error.errno in {errno.ENOSPC, errno.EDQUOT}:
            raise _failed(needed_for, f"unpacking {locations.DATA_ARCHIVE} into {cache} failed: no space left "
                          "on the device", _advice(download.DownloadError(download.DISK, archive_url, ""))) from error
        raise _failed(needed_for, f"unpacking {locations.DATA_ARCHIVE} from {archive_url} failed ({error})",
                      "Run this again; if it fails the same way, tell the course's staff.") from error


def _install_file(source, target: Path, name: str, archive_url: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, partial = hashlib.sha256(), None
    try:
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False) as out:
            partial = Path(out.name)
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != manifest()[name]:
            raise DataError(
                f"Could not install course data file '{name}': its copy in the data release {archive_url} does not "
                f"match this version of cnn_course's checksum (SHA256SUMS), so that release belongs to another version "
                f"of the course. Point {URL_ENV} at the release data-{locations.DATA_VERSION} of the course, or update "
                f"cnn_course."
            )
        partial.chmod(0o644)
        os.replace(partial, target)
    except BaseException:
        if partial:
            partial.unlink(missing_ok=True)
        raise


def signs_dataset() -> dict[str, object]:
    """The SIGNS hand-sign digits as numpy arrays: x_train, y_train, x_test, y_test, classes."""
    import h5py
    import numpy as np

    with h5py.File(resolve(SIGNS_TRAIN), "r") as train, h5py.File(resolve(SIGNS_TEST), "r") as test:
        return {
            "x_train": np.array(train["train_set_x"]),
            "y_train": np.array(train["train_set_y"]),
            "x_test": np.array(test["test_set_x"]),
            "y_test": np.array(test["test_set_y"]),
            "classes": np.array(test["list_classes"]),
        }
