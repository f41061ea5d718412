"""Student ids and names: one stable, distinct, filesystem-safe id per student, and the roster.

An id names the student's folder under ``submitted/`` and everything the grader writes for
them. A plain lowercase ASCII name is its own id (``alice``); any other name becomes a readable
ASCII slug plus a hash of the whole name (``José`` -> ``jose--<10 hex>``, ``王小明`` ->
``student--<10 hex>``), so names that differ only in accents, case, script or past the slug's
length never share an id, and the same name always gets the same one. Plain ids never hold
``--``, so they cannot meet a hashed one. The roster ``<course>/students.json`` maps each id to
the name as the LMS or folder gave it, for reports and feedback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

MAX_SLUG_CHARS = 40  # readable part of an id (and the longest name kept as its own id)
HASH_CHARS = 10  # hex digits of sha256(name) after the slug: 40 bits, no clash within any class
MAX_ID_CHARS = 80  # any id, one disambiguated by an LMS user id included
ROSTER_FILE = "students.json"

_PLAIN_NAME = re.compile(r"[a-z0-9]+(?:[_-][a-z0-9]+)*")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]*")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Latin letters that NFKD does not split into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                               "ı": "i", "ħ": "h", "ŧ": "t"})


def normal_name(name: str) -> str:
    """The name as stored and compared: NFC, whitespace runs made one space, no control characters."""
    name = " ".join(unicodedata.normalize("NFC", name).split())
    return "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in name)


def student_id(name: str) -> str:
    """The id of a student called ``name`` (any script): the name itself if plain, else slug plus hash."""
    name = normal_name(name)
    if len(name) <= MAX_SLUG_CHARS and _PLAIN_NAME.fullmatch(name):
        return name
    return f"{_slug(name) or 'student'}--{_digest(name, HASH_CHARS)}"


def is_student_id(text: str) -> bool:
    """Whether ``text`` is safe as a ``submitted/`` folder: every :func:`student_id`, and hand-made
    ids of letters, digits and ``_ . @ -`` that do not start with ``.`` or ``-``."""
    return len(text) <= MAX_ID_CHARS and bool(_SAFE_ID.fullmatch(text))


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_UNDECOMPOSED))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("_", ascii_only).strip("_")[:MAX_SLUG_CHARS].rstrip("_")


def _digest(text: str, chars: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:chars]


@dataclass(frozen=True)
class Identity:
    """Whom a submission belongs to: the normal name and, when the LMS gave one, its user id."""

    name: str
    lms_user: str | None = None

    def same_student(self, other: Identity) -> bool:
        """Same name, and no two different LMS user ids."""
        if self.name != other.name:
            return False
        return self.lms_user is None or other.lms_user is None or self.lms_user == other.lms_user

    def __str__(self) -> str:
        return f"{self.name} (LMS user {self.lms_user})" if self.lms_user else self.name


def claim_id(identity: Identity, claimed: dict[str, Identity]) -> str:
    """The id of ``identity``, recorded in ``claimed`` (id -> holder).

    An LMS user is one student whatever name the LMS gives them: an identity with an LMS user id
    gets the id that user already holds. Otherwise its own :func:`student_id` unless another student
    holds it (the same name under another LMS user id): then that id with ``-u<user id>`` appended,
    or with a longer hash of name and user.
    """
    if identity.lms_user:
        held = [sid for sid, holder in claimed.items() if holder.lms_user == identity.lms_user]
        if held:
            return held[0]
    base = student_id(identity.name)
    long_hash = _digest(f"{identity.name}\0{identity.lms_user}", 16)
    candidates = [base, f"{base}-u{identity.lms_user}" if identity.lms_user else "", f"{base}-{long_hash}"]
    for candidate in filter(is_student_id, candidates):
        holder = claimed.get(candidate)
        if holder is None or holder.same_student(identity):
            claimed[candidate] = holder if holder is not None and holder.lms_user else identity
            return candidate
    raise ValueError(f"no free id for {identity}")  # only if two sha256 prefixes collide too


def read_roster(course_dir: Path) -> dict[str, dict]:
    """``<course>/students.json``: id -> {"name", "source"[, "lms_user"]}; empty if there is none."""
    path = Path(course_dir) / ROSTER_FILE
    if not path.is_file():
        return {}
    roster = json.loads(path.read_text(encoding="utf-8"))
    return {sid: entry for sid, entry in roster.items()
            if is_student_id(sid) and isinstance(entry, dict) and isinstance(entry.get("name"), str)}


def write_roster(course_dir: Path, roster: dict[str, dict]) -> Path:
    """Replace the roster atomically (a reader sees the old file or the new one, never half)."""
    path = Path(course_dir) / ROSTER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=".students.",
                                     suffix=".tmp", delete=False) as handle:
        json.dump(dict(sorted(roster.items())), handle, ensure_ascii=False, indent=1)
    os.replace(handle.name, path)
    return path


def roster_identities(roster: dict[str, dict]) -> dict[str, Identity]:
    """The ids the roster already gives out, and to whom: the ``claimed`` of :func:`claim_id`."""
    return {sid: Identity(entry["name"], entry.get("lms_user")) for sid, entry in roster.items()}


def display_names(course_dir: Path) -> dict[str, str]:
    """id -> the student's name as collected (NFC), for reports and feedback."""
    return {sid: entry["name"] for sid, entry in read_roster(course_dir).items()}
