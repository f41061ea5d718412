"""The course's data layer: find every dataset and weight file by name, verified.

A file such as ``signs/train_signs.h5`` is looked for, in order, in

1. the folder named by ``$CNN_COURSE_DATA`` (CI and offline machines),
2. the user cache ``$CNN_COURSE_CACHE`` or ``~/.cache/cnn-course`` (earlier downloads),
3. a download into that cache (online users), from ``$CNN_COURSE_DATA_URL``.

Every file is checked against the SHA-256 listed in ``SHA256SUMS`` before it is used.
A missing or corrupt file raises :class:`DataError` naming the file and how to get it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

DATA_ENV = "CNN_COURSE_DATA"
CACHE_ENV = "CNN_COURSE_CACHE"
URL_ENV = "CNN_COURSE_DATA_URL"
OFFLINE_ENV = "CNN_COURSE_OFFLINE"

# Where the course publishes its data files, with the same checksums as SHA256SUMS.
DEFAULT_BASE_URL = "https://github.com/cnn-case-studies/course-data/releases/download/v1/"

SIGNS_TRAIN = "signs/train_signs.h5"
SIGNS_TEST = "signs/test_signs.h5"
ALPACA_DIR = "alpaca"
MOBILENET_V2_WEIGHTS = "weights/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"


class DataError(RuntimeError):
    """A course data file is missing or does not match its checksum."""


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
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cnn-course")


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
        f"{DATA_ENV}=../shared/data), or go online once so it can be downloaded into "
        f"{cache_dir()}."
    )


def _expected_digest(name: str) -> str:
    try:
        return manifest()[name]
    except KeyError:
        raise DataError(f"'{name}' is not a course data file (it is not listed in SHA256SUMS).") from None


def _download(name: str, destination: Path) -> None:
    url = os.environ.get(URL_ENV, DEFAULT_BASE_URL).rstrip("/") + "/" + urllib.request.quote(name)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=destination.parent, delete=False) as partial:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                shutil.copyfileobj(response, partial)
        except (urllib.error.URLError, OSError) as error:
            os.unlink(partial.name)
            raise DataError(f"Could not download '{name}' from {url}: {error}. {_how_to_get(name)}") from error
    if sha256(Path(partial.name)) != _expected_digest(name):
        os.unlink(partial.name)
        raise DataError(f"The download of '{name}' from {url} does not match its SHA-256 checksum.")
    os.replace(partial.name, destination)


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


def resolve(name: str) -> Path:
    """Return the verified local path of data file ``name``, downloading it if allowed."""
    _expected_digest(name)
    for root in search_roots():
        candidate = root / name
        if candidate.is_file():
            return _check(name, candidate)
    if os.environ.get(DATA_ENV) or not _online_allowed():
        searched = ", ".join(str(root) for root in search_roots())
        raise DataError(f"Course data file '{name}' was not found (searched {searched}). {_how_to_get(name)}")
    destination = cache_dir() / name
    _download(name, destination)
    return _check(name, destination)


def resolve_dir(prefix: str) -> Path:
    """Return the verified local folder holding every data file under ``prefix``."""
    names = [name for name in manifest() if name.startswith(prefix.rstrip("/") + "/")]
    if not names:
        raise DataError(f"'{prefix}' is not a course data folder (nothing under it in SHA256SUMS).")
    paths = [resolve(name) for name in names]
    depth = len(Path(prefix).parts)
    folder = paths[0].parents[len(Path(names[0]).parts) - depth - 1]
    return folder


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
