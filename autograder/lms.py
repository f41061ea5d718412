"""What an LMS's files look like: the names of the submissions it exports, the grade files it imports.

Grades go back as the LMS's own import: Canvas' gradebook CSV (:func:`write_canvas`) and Moodle's
offline grading worksheet (:func:`write_moodle`), for the students ``collect`` got from that LMS
(their user ids are in ``students.json``).

**Canvas** names each file of a bulk download ``<name>[_LATE]_<user id>_<number>[_<number>...]_<file>``
(``<name>`` a slug of the student's name, ``LATE`` when handed in after the due date, in any case
here). A name may hold ``_<digits>`` itself, so a file name can have several readings; each is a
:class:`LmsName`. **Moodle** puts each student's files in a folder
``<full name>_<participant id>_assignsubmission_file_``; the participant id is the ``Participant
<id>`` of its offline grading worksheet. Moodle's download marks nothing late: lateness comes from
times (:mod:`autograder.lateness`). Feedback pages go back to Moodle in the same folders
(:func:`write_moodle_feedback`), as its "Upload multiple feedback files in a zip" reads them.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.exports import write_table

if TYPE_CHECKING:
    from autograder.results import SubmissionResult

CANVAS, MOODLE = "canvas", "moodle"
_USER_ID = re.compile(r"_(\d{1,18})(?=_)")
_AFTER_USER = re.compile(r"(?P<numbers>(?:_\d{1,18})*)_(?P<file>.+)", re.DOTALL)
_LATE = re.compile(r"(?P<name>.+?)_late", re.DOTALL | re.IGNORECASE)
_MOODLE_FOLDER = re.compile(r"(?P<name>.+)_(?P<user>\d{1,18})_assignsubmission_[a-z]+_?", re.DOTALL)
MOODLE_FILE_PLUGIN = "assignsubmission_file"  # the plugin whose files a Moodle folder holds
# What Moodle's download takes out of a full name for a folder: its import splits folder names at "_",
# and a path separator or a character a file system refuses cannot be in one.
_NOT_IN_MOODLE_NAME = re.compile(r'[_/\\:*?"<>|\x00-\x1f\x7f]+')
CANVAS_NUMBERS = 1  # numbers after the user id in Canvas's names, when an export shows no other


@dataclass(frozen=True)
class LmsName:
    """One reading of an LMS file or folder name."""

    name: str  # the student's name as the LMS wrote it
    user: str  # the LMS user id (Canvas) or participant id (Moodle)
    lms: str
    late: bool = False
    numbers: tuple[int, ...] = ()  # Canvas: the numbers after the user id (submission, attachment)
    file: str = ""  # Canvas: the file name as the student uploaded it


def canvas_readings(base: str) -> list[LmsName]:
    """Every reading of ``base`` as a Canvas file name with at least one number after the user id,
    leftmost user id first (the numbers after it taken greedily)."""
    readings = []
    for user in _USER_ID.finditer(base):
        name, rest = base[:user.start()], _AFTER_USER.fullmatch(base, user.end())
        if not name or not rest or not rest["numbers"]:
            continue
        late = _LATE.fullmatch(name)
        readings.append(LmsName(late["name"] if late else name, user[1], CANVAS, bool(late),
                                tuple(int(n) for n in rest["numbers"].split("_")[1:]), rest["file"]))
    return readings


def canvas_file_name(name: str, user: str, submission: int, file: str, late: bool = False) -> str:
    """A file's name in Canvas' bulk download, as :func:`canvas_readings` reads it: the name as a lowercase
    slug without spaces, ``_LATE`` if handed in late, the user id, the submission number, the file's name."""
    return f"{''.join(name.split()).lower()}{'_LATE' if late else ''}_{user}_{submission}_{file}"


def export_shape(readings: list[list[LmsName]]) -> int:
    """How many numbers follow the user id in this export: the commonest count among the names
    that have one reading only (Canvas' own count if none has)."""
    counts = Counter(len(only[0].numbers) for only in readings if len(only) == 1)
    return counts.most_common(1)[0][0] if counts else CANVAS_NUMBERS


def resolve(readings: list[LmsName], numbers: int) -> LmsName | None:
    """The one reading of a name: the only one, or the only one whose count of numbers is the
    export's; None if the name stays ambiguous (it may belong to several users)."""
    if len({r.user for r in readings}) == 1:
        return readings[0]
    shaped = [r for r in readings if len(r.numbers) == numbers]
    return shaped[0] if len({r.user for r in shaped}) == 1 else None


def moodle_folder(folder: str) -> LmsName | None:
    """A Moodle submission folder's student, or None if ``folder`` is not one."""
    match = _MOODLE_FOLDER.fullmatch(folder)
    return LmsName(match["name"], match["user"], MOODLE) if match else None


# --- grades back into the LMS -----------------------------------------------------------------

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW = "    Points Possible"  # Canvas' second row, as its own gradebook export writes it
MOODLE_COLUMNS = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def lms_students(roster: dict[str, dict], lms: str) -> tuple[dict[str, dict], list[str]]:
    """The roster's students this LMS knows (id -> entry), and the ids it does not (no user id of its own)."""
    known = {sid: entry for sid, entry in roster.items() if entry.get("lms_user") and entry.get("lms", lms) == lms}
    return known, sorted(set(roster) - set(known))


def write_canvas(path: Path, results: list[SubmissionResult], roster: dict[str, dict],
                 canvas_ids: dict[str, str]) -> tuple[Path, list[str]]:
    """Canvas' gradebook import: a column per assignment, named ``<assignment> (<Canvas id>)`` where
    ``canvas_ids`` gives one (else Canvas creates the assignment), the Points Possible row, a row per
    Canvas user with the score after any late penalty. Returns the file and the ids left out."""
    known, left_out = lms_students(roster, CANVAS)
    assignments = sorted({r.assignment_id for r in results})
    scores = {(r.student, r.assignment_id): r.score for r in results}
    maxima = {r.assignment_id: r.max_score for r in results}
    header = [*CANVAS_COLUMNS, *(f"{a} ({canvas_ids[a]})" if canvas_ids.get(a) else a for a in assignments)]
    rows = [[CANVAS_POINTS_ROW, "", "", "", "", *(maxima[a] for a in assignments)]]
    rows += [[entry["name"], entry["lms_user"], "", "", "", *(scores.get((sid, a)) for a in assignments)]
             for sid, entry in sorted(known.items(), key=lambda item: item[1]["name"])]
    return write_table(path, header, rows), left_out


def write_moodle(path: Path, results: list[SubmissionResult], roster: dict[str, dict],
                 now: datetime | None = None) -> tuple[Path, list[str]]:
    """Moodle's offline grading worksheet for one assignment: ``Participant <id>``, the grade after any
    late penalty, the feedback comment (escaped: Moodle reads it as HTML). Moodle's import reads
    Identifier, Grade and Feedback comments, and skips a grade changed in Moodle after "Last modified
    (grade)" unless told to overwrite. Returns the file and the ids left out."""
    known, left_out = lms_students(roster, MOODLE)
    graded = {r.student: r for r in results}
    stamp = _moodle_time(now or datetime.now(UTC))
    rows = []
    for sid, entry in sorted(known.items(), key=lambda item: int(item[1]["lms_user"])):
        result = graded.get(sid)
        if result is None:
            rows.append([f"Participant {entry['lms_user']}", entry["name"], "", "No submission", "", "", "Yes",
                         "", "", ""])
            continue
        late = result.lateness
        comment = "; ".join(filter(None, [result.reason, *result.notes, late.why and f"Late: {late.why}"]))
        submitted = _moodle_time(datetime.fromisoformat(late.submitted_at)) if late.submitted_at else ""
        rows.append([f"Participant {entry['lms_user']}", entry["name"], "", "Submitted for grading",
                     f"{result.score:.2f}", f"{result.max_score:.2f}", "Yes", submitted, stamp, html.escape(comment)])
    return write_table(path, MOODLE_COLUMNS, rows), left_out


def moodle_folder_name(name: str, participant: str) -> str:
    """The folder Moodle's own download gives a participant's files, ``<full name>_<participant id>_assignsubmission_file_``,
    which its feedback-zip import reads back (the name without ``_``, as Moodle writes it: it splits there)."""
    clean = " ".join(_NOT_IN_MOODLE_NAME.sub(" ", name).split()) or "participant"
    return f"{clean}_{participant}_{MOODLE_FILE_PLUGIN}_"


def write_moodle_feedback(path: Path, pages: dict[str, Path], roster: dict[str, dict]) -> tuple[Path, list[str]]:
    """Moodle's "Upload multiple feedback files in a zip": each student's page (id -> file) in their
    participant folder (:func:`moodle_folder_name`). Returns the zip and the ids left out (no Moodle
    participant id); the zip is replaced atomically."""
    known, _ = lms_students(roster, MOODLE)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as bundle:
            for sid, page in sorted(pages.items()):
                if sid in known:
                    folder = moodle_folder_name(known[sid]["name"], known[sid]["lms_user"])
                    bundle.write(page, f"{folder}/{page.name}")
    os.replace(handle.name, path)
    return path, sorted(set(pages) - set(known))


def _moodle_time(moment: datetime) -> str:
    """A time as Moodle writes it in its worksheet (and reads back with strtotime), English, in UTC."""
    moment = moment.astimezone(UTC)
    return (f"{_WEEKDAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} {moment.year}, "
            f"{(moment.hour - 1) % 12 + 1}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}")
