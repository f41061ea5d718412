"""Reading bytes a student or a sandbox produced: never follow links, bound every size.

Everything under a job folder, and every submitted file, is written by code the grader does
not trust. This module is the only way the trusted side reads such files: it opens them without
following symbolic links and without blocking (a FIFO in place of a file), accepts regular files
only, reads at most a fixed number of bytes, and parses JSON with bounded size and depth. Every
failure is an :class:`UntrustedDataError` whose message can be shown to the student.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

MAX_JSON_DEPTH = 64  # nesting levels accepted in a notebook or an observation
# JSON values (objects, arrays, strings, numbers, literals) accepted in one document. Parsed, a value
# costs up to ~130 bytes beside its text (an empty object 64, a string 50 plus its characters), so
# this bounds what a document of empty objects can cost the grader (~65 MB); an executed notebook
# of the assignments holds a few thousand.
MAX_JSON_VALUES = 500_000
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
LOGGED_PREFIX = "  sandbox| "  # starts every line of a sandbox's output in the operator's log
MAX_LOGGED_CHARS = 4000  # characters of a sandbox's output (its last ones) that reach the operator's log
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(\x07|\x1b\\)?|.?)", re.DOTALL)
# Characters a terminal or a log viewer acts on: C0 and C1 controls, zero-width and bidirectional marks.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class UntrustedDataError(ValueError):
    """A file or a value produced by untrusted code is missing, not a regular file, too big or malformed."""


def is_regular_file(path: Path) -> bool:
    """Whether ``path`` itself (not what a link there points to) is a regular file."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The contents of the regular file ``path`` (no link followed, no FIFO waited on), at most ``max_bytes``."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UntrustedDataError(f"{Path(path).name} does not exist") from None
    except OSError as error:  # ELOOP: a symbolic link; EACCES, ENXIO (a socket), ...
        kind = "a symbolic link" if error.errno == 40 else (error.strerror or "unreadable").lower()
        raise UntrustedDataError(f"{Path(path).name} could not be opened ({kind})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UntrustedDataError(f"{Path(path).name} is not a regular file")
        if info.st_size > max_bytes:
            raise UntrustedDataError(f"{Path(path).name} is {info.st_size / 2**20:.1f} MB; the limit is "
                                     f"{max_bytes / 2**20:.0f} MB")
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:  # it grew while we read
            raise UntrustedDataError(f"{Path(path).name} is larger than {max_bytes / 2**20:.0f} MB")
        return data
    finally:
        os.close(fd)


def loads(data: bytes | str, max_depth: int = MAX_JSON_DEPTH, max_values: int = MAX_JSON_VALUES):
    """Parse untrusted JSON: bounded depth and number of values (counted before parsing), strings free
    of lone surrogates."""
    if _values_at_most(data.encode() if isinstance(data, str) else data, max_values) > max_values:
        raise UntrustedDataError(f"it holds more than {max_values:,} JSON values, the most the grader reads")
    text = data.decode("utf-8", errors="strict") if isinstance(data, bytes) else data
    try:
        value = json.loads(text)
    except RecursionError:  # the C parser stops at the interpreter's recursion limit
        raise UntrustedDataError(f"the JSON is nested more than {max_depth} levels deep") from None
    except (ValueError, MemoryError) as error:
        raise UntrustedDataError(f"invalid JSON ({str(error)[:200]})") from None
    return _cleaned(value, max_depth)


def read_json(path: Path, max_bytes: int, max_depth: int = MAX_JSON_DEPTH):
    """:func:`read_bytes` then :func:`loads`; every failure is an :class:`UntrustedDataError`."""
    data = read_bytes(path, max_bytes)
    try:
        return loads(data, max_depth)
    except UnicodeDecodeError as error:
        raise UntrustedDataError(f"{Path(path).name} is not UTF-8 text ({error.reason})") from None


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (valid in JSON, not encodable as UTF-8) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def framed(text: str, max_chars: int = MAX_LOGGED_CHARS) -> str:
    """What a sandbox wrote (its stderr), as lines for the operator's log that cannot pass for the
    grader's own: its last ``max_chars`` characters, terminal escape sequences removed, every line
    (whatever ends it: \\n, \\r, a form feed, U+2028) prefixed with :data:`LOGGED_PREFIX`, and every
    other control character shown as an escape."""
    tail = text[-max_chars:] if text else ""
    tail = _ESCAPE_SEQUENCE.sub("", tail)
    lines = tail.splitlines() or ["(nothing)"]
    shown = (_CONTROL.sub(lambda match: ascii(match.group())[1:-1], line) for line in lines)
    cut = f"{LOGGED_PREFIX}[... {len(text) - max_chars:,} earlier characters left out]\n" if len(text) > max_chars else ""
    return cut + "\n".join(LOGGED_PREFIX + line for line in shown)


def _values_at_most(data: bytes, limit: int) -> int:
    """An upper bound on the number of values in the JSON ``data`` (or of its strings, if more), exact
    past ``limit``, without parsing it: every value but the first follows a comma or opens its list or
    object. Commas and brackets inside strings count only when a count of all of them is over the
    limit; then the strings are skipped one by one, at most ``limit`` of them."""
    def separators(start: int, end: int) -> int:
        return data.count(b",", start, end) + data.count(b"[", start, end) + data.count(b"{", start, end)

    values = 1 + separators(0, len(data))
    if values <= limit:
        return values
    values, strings, position = 1, 0, 0
    while max(values, strings) <= limit and (string := _JSON_STRING.search(data, position)):
        values, strings = values + separators(position, string.start()), strings + 1
        position = string.end()
    return max(values + separators(position, len(data)), strings)


def _cleaned(value, depth_left: int):
    """Parsed JSON with every string passed through :func:`clean_text`, changed in place (a copy of a
    large document would double what it costs); too deep raises."""
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, (list, dict)):
        return value
    if depth_left <= 0:
        raise UntrustedDataError("the JSON is nested too deeply")
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, (str, list, dict)):
                value[index] = _cleaned(item, depth_left - 1)
        return value
    if any(clean_text(key) is not key for key in value):
        return {clean_text(key): _cleaned(item, depth_left - 1) for key, item in value.items()}
    for key, item in value.items():
        if isinstance(item, (str, list, dict)):
            value[key] = _cleaned(item, depth_left - 1)
    return value
