"""What an LMS's files look like: the names of the submissions it exports, the grade files it imports.

**Canvas** names each file of a bulk download ``<name>[_LATE]_<user id>_<number>[_<number>...]_<file>``
(``<name>`` a slug of the student's name, ``LATE`` when handed in after the due date, in any case
here). A name may hold ``_<digits>`` itself, so a file name can have several readings; each is a
:class:`LmsName`. **Moodle** puts each student's files in a folder
``<full name>_<participant id>_assignsubmission_file_``; the participant id is the ``Participant
<id>`` of its offline grading worksheet. Moodle's download marks nothing late: lateness comes from
times (:mod:`autograder.lateness`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

CANVAS, MOODLE = "canvas", "moodle"
_USER_ID = re.compile(r"_(\d{1,18})(?=_)")
_AFTER_USER = re.compile(r"(?P<numbers>(?:_\d{1,18})*)_(?P<file>.+)", re.DOTALL)
_LATE = re.compile(r"(?P<name>.+?)_late", re.DOTALL | re.IGNORECASE)
_MOODLE_FOLDER = re.compile(r"(?P<name>.+)_(?P<user>\d{1,18})_assignsubmission_[a-z]+_?", re.DOTALL)
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
