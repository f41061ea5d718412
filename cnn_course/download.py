"""HTTP downloads for the data layer: retried, resumed, with a progress bar, never left half-written.

A file is downloaded into a hidden temporary file in the folder it is meant for; the caller verifies
it and moves it into place with ``os.replace`` (same folder, so the move is atomic), or the temporary
file is deleted. A broken connection is retried, resuming where it stopped when the server supports
HTTP ranges. Every failure raises :class:`DownloadError`, whose ``kind`` says what went wrong so the
caller can tell the reader what to do.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from cnn_course.progress import shown

ATTEMPTS = 4  # tries per download: the first one and three retries (connection broken off, HTTP 5xx)
BACKOFF_SECONDS = 1.0  # wait before retry n: BACKOFF_SECONDS * 2 ** (n - 1)
TIMEOUT_SECONDS = 30  # a connection silent this long counts as lost
CHUNK_BYTES = 1 << 16
MAX_TEXT_BYTES = 1 << 16  # a small text file (a checksum) is never longer than this
USER_AGENT = "cnn-course-data"

# What went wrong, for DownloadError.kind.
OFFLINE = "offline"  # no connection to the host at all (refused, no route, name not resolved)
INTERRUPTED = "interrupted"  # the connection broke off, on every try
HTTP = "http"  # the server answered with an error status
DISK = "disk"  # the disk is full (or over quota)
LOCAL = "local"  # the destination folder cannot be written (permissions, read-only)


class DownloadError(Exception):
    """A download failed; ``kind`` is one of OFFLINE, INTERRUPTED, HTTP, DISK, LOCAL."""

    def __init__(self, kind: str, url: str, what: str, status: int | None = None):
        super().__init__(what)
        self.kind, self.url, self.what, self.status = kind, url, what, status


def _retryable(error: DownloadError) -> bool:
    # Offline is not retried: the reader should hear it at once. A lost connection or a server error may pass.
    return error.kind == INTERRUPTED or (error.kind == HTTP and (error.status or 0) >= 500)


def _classify(error: BaseException, url: str) -> DownloadError:
    if isinstance(error, DownloadError):
        return error
    if isinstance(error, urllib.error.HTTPError):
        return DownloadError(HTTP, url, f"the server answered HTTP {error.code} ({error.reason})", error.code)
    if isinstance(error, OSError) and error.errno in {errno.ENOSPC, errno.EDQUOT}:
        return DownloadError(DISK, url, "no space left on the device" if error.errno == errno.ENOSPC else "over the disk quota")
    if isinstance(error, urllib.error.URLError) and not isinstance(error.reason, TimeoutError):
        reason = error.reason.strerror if isinstance(error.reason, OSError) and error.reason.strerror else error.reason
        return DownloadError(OFFLINE, url, f"no connection to {urllib.parse.urlsplit(url).netloc} ({reason})")
    if isinstance(error, (TimeoutError, urllib.error.URLError)):
        return DownloadError(INTERRUPTED, url, f"the connection timed out after {TIMEOUT_SECONDS} s")
    if isinstance(error, OSError) and error.errno in {errno.EACCES, errno.EPERM, errno.EROFS}:
        return DownloadError(LOCAL, url, f"the file could not be written ({error})")
    if isinstance(error, (http.client.HTTPException, OSError)):  # a reset, an SSL error, any other I/O trouble
        return DownloadError(INTERRUPTED, url, f"the connection broke off ({type(error).__name__}: {error})")
    raise error


def _with_retries(url: str, attempt_once):
    """Call ``attempt_once()`` until it succeeds, retrying what a retry can fix."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return attempt_once()
        except (OSError, http.client.HTTPException, DownloadError) as raw:
            error = _classify(raw, url)
            if not _retryable(error) or attempt == ATTEMPTS:
                if attempt > 1:
                    error.what += f", after {attempt} tries"
                raise error from (raw if raw is not error else None)
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _request(url: str, start: int = 0):
    headers = {"User-Agent": USER_AGENT}
    if start:
        headers["Range"] = f"bytes={start}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_SECONDS)


def read_text(url: str) -> str:
    """The body of a small text file at ``url`` (a published checksum), retried like any download."""

    def once() -> str:
        with _request(url) as response:
            body = response.read(MAX_TEXT_BYTES + 1)
        if len(body) > MAX_TEXT_BYTES:
            raise DownloadError(HTTP, url, f"the file is larger than the {MAX_TEXT_BYTES} bytes expected")
        return body.decode("utf-8", errors="replace")

    return _with_retries(url, once)


def _progress(total: int | None, label: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024, mininterval=0.5, disable=not shown())


def _fetch_into(url: str, handle, label: str) -> int:
    """Download ``url`` into the open file ``handle``, resuming after a broken connection; return its size."""
    state = {"done": 0, "total": None, "bar": None}

    def once() -> None:
        start = state["done"]
        with _request(url, start) as response:
            if start and response.status != 206:  # the server ignored the range: start again
                handle.seek(0)
                handle.truncate()
                state["done"] = start = 0
            state["total"] = _total_size(response, start)
            if state["bar"] is None:
                state["bar"] = _progress(state["total"], label)
            else:  # a retry: the bar goes on from what is already there
                state["bar"].reset(total=state["total"])
                state["bar"].update(start)
            for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                handle.write(chunk)
                state["done"] += len(chunk)
                state["bar"].update(len(chunk))
        if state["total"] is not None and state["done"] < state["total"]:
            handle.flush()
            raise DownloadError(INTERRUPTED, url, f"the connection broke off at {state['done']:,} of {state['total']:,} bytes")

    try:
        _with_retries(url, once)
    finally:
        if state["bar"] is not None:
            state["bar"].close()
    handle.flush()
    os.fsync(handle.fileno())
    return state["done"]


def _total_size(response, start: int) -> int | None:
    match = re.fullmatch(r"bytes \d+-\d+/(\d+)", response.headers.get("Content-Range", "").strip())
    if response.status == 206 and match:
        return int(match.group(1))
    length = response.headers.get("Content-Length")
    return start + int(length) if length and length.isdigit() else None


def _partial_file(folder: Path, label: str):
    """The hidden temporary file a download is written to, in the folder of its destination."""
    return tempfile.NamedTemporaryFile(dir=folder, prefix=f".{Path(label).name}.", suffix=".part", delete=False)


@contextlib.contextmanager
def downloaded(url: str, folder: Path, label: str) -> Iterator[Path]:
    """Download ``url`` into a hidden temporary file in ``folder``; it is deleted when the block ends.

    Move it into place inside the block (``os.replace``) to keep it.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = _partial_file(folder, label)
    except OSError as error:
        raise _classify(error, url) from error
    path = Path(handle.name)
    try:
        with handle:
            try:
                _fetch_into(url, handle, label)
            except OSError as error:  # writing failed (a full disk); the network's errors are classified above
                raise _classify(error, url) from error
        yield path
    finally:
        path.unlink(missing_ok=True)
