"""Bringing submissions into ``<course>/submitted/<student>/<assignment>/`` without losing a student.

Two sources, one set of rules: a folder, or the zip an LMS exports. A notebook belongs to a
student by its path: ``<student>/.../<file>.ipynb`` (a folder per student, Moodle's
``<name>_<user>_assignsubmission_file_`` folders too), or at the top a Canvas file name
``<name>[_LATE]_<user id>_<number>[_<number>...]_<file>.ipynb`` whose name may hold spaces and any
script (:mod:`autograder.lms`). An LMS entry belongs to its user id, whatever the name; a file name
that reads as the file of several users is skipped, never guessed. ``\\`` separators count as ``/``.
The steps:

1. **List** the source, validating each entry at this boundary: no absolute path, no ``..``, no
   link or device, bounded size, depth and count.
2. **Parse** each path into its student (an :class:`~autograder.students.Identity`) and file.
3. **Name** each student with :func:`~autograder.students.claim_id` (distinct ids, stable
   across collects through the roster ``students.json``).
4. **Pick** the newest of several versions of one notebook: a name read one way only before one
   that took the export's shape to read, the larger LMS submission number,
   then Canvas' ``-1`` re-upload suffix, then the file's date; versions that tie are all kept.
5. **Write** the notebooks and the roster, and beside each student's notebooks nbgrader's
   ``timestamp.txt`` and, where nbgrader's exchange wrote one, ``submission_secret.txt`` (by which
   nbgrader's ``release_feedback`` hands the feedback back).

Nothing refused is dropped silently: it is a :class:`Skipped` entry of the summary, with why.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import NamedTuple

from autograder import lms, students, untrusted
from autograder.lateness import LATE_MARKER_FILE, SECRET_FILE, TIMESTAMP_FILE, Policy
from autograder.notebooks import MAX_NOTEBOOK_BYTES
from autograder.students import Identity, normal_name

MAX_TOTAL_BYTES = 1 << 30  # notebooks written by one collect, in bytes (against zip bombs)
MAX_ENTRIES = 20_000  # files and folders in one source
MAX_DEPTH = 8  # folders between the source and a notebook
MAX_FILE_NAME_CHARS = 120  # a notebook's name as written, suffix excluded

_SECRET = re.compile(rb"[0-9A-Za-z]{1,256}")  # nbgrader writes 128 hex digits, no newline
_REUPLOADED = re.compile(r"(?P<stem>.+)-(?P<count>\d{1,2})", re.DOTALL)  # Canvas: Tiny-1 is Tiny's 2nd upload
_DRIVE = re.compile(r"[A-Za-z]:(/|$)")


class Skipped(NamedTuple):
    entry: str
    why: str


class CollectedStudent(NamedTuple):
    id: str
    name: str
    files: list[str]


class Collision(NamedTuple):
    """Two students whose names give one id: the later one got another id."""

    student: str  # the identity that was given another id
    wanted: str
    given: str
    holder: str  # who holds ``wanted``


class Duplicate(NamedTuple):
    """Several versions of one student's notebook: which were kept, which dropped, and by what."""

    student: str
    file: str
    kept: list[str]
    dropped: list[str]
    by: str


@dataclass
class CollectSummary:
    """What a collect did: whom it collected, what it skipped and why, and what it had to decide."""

    collected: list[CollectedStudent] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    collisions: list[Collision] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    late: list[str] = field(default_factory=list)  # students whose kept notebook the LMS marked late

    @property
    def ids(self) -> list[str]:
        return [student.id for student in self.collected]

    def report(self, submitted: Path) -> str:
        """What an instructor reads after a collect: counts, then every problem on its own line."""
        lines = [f"collected {len(self.collected)} students into {submitted}"]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} entries:")
            lines += [f"  {entry}: {why}" for entry, why in self.skipped]
        if self.collisions:
            lines.append(f"{len(self.collisions)} names wanted an id already taken:")
            lines += [f"  {c.student} would share '{c.wanted}' with {c.holder}: collected as '{c.given}'"
                      for c in self.collisions]
        if self.late:
            lines.append(f"marked late by the LMS: {', '.join(self.late)}")
        if self.duplicates:
            lines.append(f"{len(self.duplicates)} notebooks came in several versions:")
            lines += [f"  {d.student}/{d.file}: kept {', '.join(d.kept)}"
                      + (f"; dropped {', '.join(d.dropped)}" if d.dropped else "") + f" ({d.by})"
                      for d in self.duplicates]
        return "\n".join(lines)


def collect_folder(source: Path, course_dir: Path, assignment_id: str) -> CollectSummary:
    """Import a folder: one folder per student, or LMS-named notebooks at the top."""
    return _collect(_folder_files(Path(source)), course_dir, assignment_id, Path(source).name)


def collect_zip(archive: Path, course_dir: Path, assignment_id: str) -> CollectSummary:
    """Import an LMS export: notebooks named or foldered by student."""
    with zipfile.ZipFile(archive) as bundle:
        return _collect(_zip_files(bundle), course_dir, assignment_id, Path(archive).name)


# --- 1. list: every entry of a source, validated --------------------------------------------


class _Refused(Exception):
    """This entry is not collected; the message says why."""


@dataclass(frozen=True)
class _File:
    """A regular file a source offers: its name there, normalised path, date and a bounded reader."""

    entry: str
    parts: tuple[str, ...]
    modified: datetime
    read: Callable[[], bytes]


def _zip_files(bundle: zipfile.ZipFile) -> Iterator[_File | Skipped]:
    infos = bundle.infolist()
    if len(infos) > MAX_ENTRIES:
        yield Skipped(bundle.filename or "archive", f"holds {len(infos)} entries, more than {MAX_ENTRIES}")
        return
    for info in infos:
        entry = _zip_entry_name(info)
        kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0  # 3: Unix mode bits
        if entry.replace("\\", "/").endswith("/") or kind == stat.S_IFDIR:
            continue
        try:
            if kind not in (0, stat.S_IFREG):
                raise _Refused("a link" if kind == stat.S_IFLNK else "not a regular file")
            parts = _split_path(entry)
            _check_size(info.file_size)
            yield _File(entry, parts, _zip_date(info), partial(_read_zip_entry, bundle, info))
        except _Refused as refused:
            yield Skipped(entry, str(refused))


def _zip_entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name: zipfile reads names not flagged UTF-8 as cp437, but most tools wrote UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _zip_date(info: zipfile.ZipInfo) -> datetime:
    try:
        return datetime(*info.date_time)
    except ValueError:  # a crafted header (month 0, day 32): oldest possible
        return datetime.min


def _read_zip_entry(bundle: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with bundle.open(info) as source:
            data = source.read(MAX_NOTEBOOK_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError, EOFError) as error:
        raise _Refused(f"unreadable ({error})") from None
    _check_size(len(data))
    return data


def _folder_files(source: Path) -> Iterator[_File | Skipped]:
    """Walk ``source`` without following links, at most MAX_DEPTH folders down and MAX_ENTRIES entries."""
    pending, seen = [(source, ())], 0
    while pending:
        folder, parents = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            yield Skipped("/".join(parents) or str(folder), f"unreadable folder ({error.strerror})")
            continue
        for item in entries:
            seen += 1
            entry = "/".join((*parents, _os_name(item.name)))
            if seen > MAX_ENTRIES:
                yield Skipped(entry, f"the folder holds more than {MAX_ENTRIES} entries")
                return
            try:
                if item.is_symlink():
                    raise _Refused("a link")
                if item.is_dir(follow_symlinks=False):
                    if len(parents) >= MAX_DEPTH:
                        raise _Refused(f"a folder more than {MAX_DEPTH} levels deep")
                    pending.append((Path(item.path), (*parents, _os_name(item.name))))
                    continue
                if not item.is_file(follow_symlinks=False):
                    raise _Refused("not a regular file")
                info = item.stat(follow_symlinks=False)
                _check_size(info.st_size)
                yield _File(entry, _split_path(entry), datetime.fromtimestamp(info.st_mtime, UTC),
                            partial(_read_file, Path(item.path)))
            except _Refused as refused:
                yield Skipped(entry, str(refused))


def _os_name(name: str) -> str:
    """A file name from the OS as text: bytes that were not UTF-8 are read as Windows-1252."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("cp1252", errors="replace")


def _read_file(path: Path) -> bytes:
    """A file of a submissions folder, read as untrusted: no link followed, regular files only, bounded."""
    try:
        return untrusted.read_bytes(path, MAX_NOTEBOOK_BYTES)
    except untrusted.UntrustedDataError as error:
        raise _Refused(str(error)) from None


def _split_path(entry: str) -> tuple[str, ...]:
    """The parts of a relative path (``\\`` or ``/``), refusing absolute paths, ``..`` and depth."""
    path = entry.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        raise _Refused("an absolute path")
    parts = tuple(part for part in path.split("/") if part not in ("", "."))
    if ".." in parts:
        raise _Refused("a path that leaves the source (..)")
    if not parts or len(parts) > MAX_DEPTH + 1:
        raise _Refused(f"an empty path or one more than {MAX_DEPTH} folders deep")
    return parts


def _check_size(size: int) -> None:
    if size > MAX_NOTEBOOK_BYTES:
        raise _Refused(f"larger than {MAX_NOTEBOOK_BYTES / 2**20:g} MB")


# --- 2. parse: whose notebook, which file, which version ------------------------------------


@dataclass(frozen=True)
class _Offer:
    """A notebook with its owner, the name to write it under and its version key."""

    file: _File
    owner: Identity
    name: str
    version: tuple  # (read one way only, LMS numbers after the user id, Canvas re-upload count, date)
    late: bool = False  # the LMS marked it late
    lms: str | None = None  # which LMS named it: lms.CANVAS, lms.MOODLE
    stamp: _File | None = None  # nbgrader's timestamp.txt beside it in the source, if any
    secret: _File | None = None  # nbgrader's submission_secret.txt beside it, if any


_VERSION_KEYS = ("a file name with one reading only", "LMS submission number", "Canvas re-upload suffix",
                 "file date")


def _offer(file: _File, shape: int) -> _Offer:
    """Whose notebook ``file`` is; ``shape``: how many numbers follow the user id in this export."""
    *folders, base = file.parts
    if not base.lower().endswith(".ipynb"):
        raise _Refused("not a notebook")
    if any(_is_metadata(part) for part in folders) or base.startswith("._"):
        raise _Refused("a checkpoint, hidden or macOS metadata copy")
    if folders:
        moodle = lms.moodle_folder(folders[0])
        owner = Identity(normal_name(moodle.name), moodle.user) if moodle else Identity(normal_name(folders[0]))
        return _Offer(file, owner, _file_name(base), (True, (), 0, file.modified),
                      lms=moodle.lms if moodle else None)
    readings = lms.canvas_readings(base)
    if not readings:
        raise _Refused("no student: neither <student>/<file> nor <name>_<user id>_<number>_<file>")
    reading = lms.resolve(readings, shape)
    if reading is None:  # never guessed: a guess could file one student's notebook as another's
        users = ", ".join(sorted({r.user for r in readings}, key=int))
        raise _Refused(f"an ambiguous name: it reads as a file of LMS users {users}; rename it to "
                       "<name>_<user id>_<number>_<file> by hand")
    base, reuploads = _reupload(reading.file)
    one_reading = len({r.user for r in readings}) == 1
    return _Offer(file, Identity(normal_name(reading.name), reading.user), _file_name(base),
                  (one_reading, reading.numbers, reuploads, file.modified), reading.late, reading.lms)


def _reupload(name: str) -> tuple[str, int]:
    """Canvas names a re-upload of ``Tiny.ipynb`` ``Tiny-1.ipynb``: the name and the count."""
    match = _REUPLOADED.fullmatch(name[:-len(".ipynb")])
    return (f"{match['stem']}.ipynb", int(match["count"])) if match else (name, 0)


def _file_name(name: str) -> str:
    """A notebook name safe to write: NFC, no control characters, no leading dot, ``.ipynb``."""
    stem = normal_name(name[:-len(".ipynb")]).lstrip(". ")[:MAX_FILE_NAME_CHARS]
    return f"{stem or 'notebook'}.ipynb"


# --- 3.-5. name, pick, write -----------------------------------------------------------------


def _collect(files: Iterable[_File | Skipped], course_dir: Path, assignment_id: str, label: str) -> CollectSummary:
    summary, course_dir, label = CollectSummary(), Path(course_dir), _os_name(label)
    offers = _offers(files, summary)
    roster = students.read_roster(course_dir)
    claimed = students.roster_identities(roster)
    ids = _name_students({offer.owner for offer in offers}, claimed, summary)
    by_student: dict[str, list[_Offer]] = {}
    for offer in offers:
        by_student.setdefault(ids[offer.owner], []).append(offer)
    reader = _Reader(summary)
    for sid, student_offers in sorted(by_student.items()):
        notebooks = _pick_and_read(sid, student_offers, reader)
        if not notebooks:
            continue
        target = _fresh(course_dir, sid, assignment_id)
        for name, data in notebooks.items():
            (target / name).write_bytes(data)
        kept = [o for o in student_offers if o in reader.kept]
        _write_submission_time(target, kept, summary.late)
        _write_secret(target, kept)
        holder = claimed[sid]
        summary.collected.append(CollectedStudent(sid, holder.name, sorted(notebooks)))
        kind = next((o.lms for o in student_offers if o.lms), None)
        roster[sid] = {"name": holder.name, "source": f"{label}: {student_offers[0].file.entry}",
                       **({"lms_user": holder.lms_user, "lms": kind} if holder.lms_user else {})}
    if summary.collected:
        students.write_roster(course_dir, roster)
    return summary


def _offers(items: Iterable[_File | Skipped], summary: CollectSummary) -> list[_Offer]:
    """The notebooks that belong to a student; everything else goes to ``summary.skipped``."""
    files = []
    for item in items:
        (summary.skipped if isinstance(item, Skipped) else files).append(item)
    files = _unwrapped(files)
    beside = {f.parts: f for f in files if f.parts[-1] in (TIMESTAMP_FILE, SECRET_FILE) and len(f.parts) > 1}
    shape = lms.export_shape([lms.canvas_readings(f.parts[0]) for f in files if len(f.parts) == 1])
    offers = []
    for file in files:
        if file.parts in beside:
            continue
        folder = file.parts[:-1]
        try:
            offers.append(replace(_offer(file, shape), stamp=beside.get((*folder, TIMESTAMP_FILE)),
                                  secret=beside.get((*folder, SECRET_FILE))))
        except _Refused as refused:
            summary.skipped.append(Skipped(file.entry, str(refused)))
    return offers


def _unwrapped(files: list[_File]) -> list[_File]:
    """The files without a folder that wraps the whole LMS export (``export/alice_1_2_Tiny.ipynb``)."""
    content = [f for f in files if not _is_metadata(f.parts[0])]
    if len({f.parts[0] for f in content}) != 1 or any(len(f.parts) < 2 for f in content):
        return files
    inner = ((lms.canvas_readings(f.parts[1]) or [None])[0] if len(f.parts) == 2 else lms.moodle_folder(f.parts[1])
             for f in content)
    if len({(m.name, m.user) for m in inner if m}) < 2:
        return files  # one student's folder, even if a file name looks like an LMS one
    return [replace(f, parts=f.parts[1:]) if f in content else f for f in files]


def _is_metadata(part: str) -> bool:
    """A folder or file that only tools made: hidden (checkpoints), macOS resource forks."""
    return part.startswith(".") or part == "__MACOSX"


def _name_students(owners: set[Identity], claimed: dict[str, Identity], summary: CollectSummary) -> dict:
    """Identity -> id; known LMS users first, lower user ids first, so ids do not depend on file order."""
    ids = {}
    for owner in sorted(owners, key=lambda o: (o.name, o.lms_user is None, int(o.lms_user or 0))):
        ids[owner] = students.claim_id(owner, claimed)
        wanted = students.student_id(owner.name)
        if ids[owner] != wanted and wanted in claimed:  # not when an LMS user keeps an id under an old name
            summary.collisions.append(Collision(str(owner), wanted, ids[owner], str(claimed[wanted])))
    return ids


def _pick_and_read(sid: str, offers: list[_Offer], reader: _Reader) -> dict[str, bytes]:
    """File name -> contents of the newest readable version of each of one student's notebooks."""
    by_name: dict[str, list[_Offer]] = {}
    for offer in offers:
        by_name.setdefault(offer.name, []).append(offer)
    notebooks: dict[str, bytes] = {}
    for name, versions in sorted(by_name.items()):
        newest_first = sorted(versions, key=lambda o: o.version, reverse=True)
        tied = [o for o in newest_first if o.version == newest_first[0].version]
        kept = [o for o in tied if reader.read_into(notebooks, name, o)]
        for older in newest_first[len(tied):]:  # no newest version could be read: the next newest
            if kept:
                break
            if reader.read_into(notebooks, name, older):
                kept.append(older)
        if len(versions) > 1:
            reader.summary.duplicates.append(Duplicate(
                sid, name, [o.file.entry for o in kept], [o.file.entry for o in newest_first if o not in kept],
                _kept_by(newest_first, kept)))
    return notebooks


def _kept_by(newest_first: list[_Offer], kept: list[_Offer]) -> str:
    """Why these versions were kept, for the instructor."""
    if len(kept) > 1:
        return "they could not be ordered: all kept, please check"
    if not kept or kept[0] is not newest_first[0]:
        return "newer versions could not be read" if kept else "no version could be read"
    newest, runner_up = newest_first[0].version, newest_first[1].version
    return "newest by " + next(w for w, a, b in zip(_VERSION_KEYS, newest, runner_up, strict=True) if a != b)


@dataclass
class _Reader:
    """Reads the chosen versions within one collect's byte budget; reports what it cannot read."""

    summary: CollectSummary
    bytes_left: int = field(default_factory=lambda: MAX_TOTAL_BYTES)
    kept: list[_Offer] = field(default_factory=list)  # every version read into a student's notebooks

    def read_into(self, notebooks: dict[str, bytes], name: str, offer: _Offer) -> bool:
        """Add ``offer`` to ``notebooks`` as ``name`` (a tied second version as ``<stem>.2.ipynb``)."""
        try:
            data = offer.file.read()
            if len(data) > self.bytes_left:
                raise _Refused(f"this collect already wrote {MAX_TOTAL_BYTES / 2**20:g} MB")
        except _Refused as refused:
            self.summary.skipped.append(Skipped(offer.file.entry, str(refused)))
            return False
        self.bytes_left -= len(data)
        stem, count = name[:-len(".ipynb")], 1
        while name in notebooks:
            count += 1
            name = f"{stem}.{count}.ipynb"
        notebooks[name] = data
        self.kept.append(offer)
        return True


def _write_submission_time(target: Path, kept: list[_Offer], late: list[str]) -> None:
    """nbgrader's ``timestamp.txt`` for the kept notebooks: the source's own timestamp.txt if it has a valid
    one, else the newest kept file's date (an LMS zip's dates carry no time zone: policy.json says which);
    ``late.txt`` if the LMS marked a kept file late, and the student's id in ``late``."""
    times = []
    for offer in kept:
        stamp = _stamp_text(offer.stamp) if offer.stamp else None
        if stamp is None and offer.file.modified != datetime.min:
            stamp = offer.file.modified.isoformat(sep=" ", timespec="seconds")
        if stamp:
            times.append(stamp)
    if times:
        (target / TIMESTAMP_FILE).write_text(max(times, key=Policy().parse_time) + "\n", encoding="utf-8")
    if any(offer.late for offer in kept):
        (target / LATE_MARKER_FILE).write_text("the LMS marked this submission late\n", encoding="utf-8")
        late.append(target.parent.name)


def _write_secret(target: Path, kept: list[_Offer]) -> None:
    """nbgrader's ``submission_secret.txt``, byte for byte, where the kept notebooks came with one valid secret."""
    secrets = set()
    for offer in kept:
        try:
            secrets.add(offer.secret.read() if offer.secret else None)
        except _Refused:
            secrets.add(None)
    secret = secrets.pop() if len(secrets) == 1 else None
    if secret and _SECRET.fullmatch(secret):
        (target / SECRET_FILE).write_bytes(secret)


def _stamp_text(stamp: _File) -> str | None:
    """A timestamp.txt's time if it is one (a line of at most 64 characters that parses as a time)."""
    try:
        text = stamp.read()[:65].decode("utf-8").strip()
        Policy().parse_time(text)
    except (_Refused, UnicodeDecodeError, ValueError):
        return None
    return text if len(text) <= 64 else None


def _fresh(course_dir: Path, student: str, assignment_id: str) -> Path:
    target = course_dir / "submitted" / student / assignment_id
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    return target

