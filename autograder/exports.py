"""Every table the grader writes (grades.csv, LMS imports): CSV that a spreadsheet opens inert.

A student's name, a reason quoting their output or an LMS field can start with ``=``; a spreadsheet
would run it as a formula (``=HYPERLINK(...)``). :func:`write_table` is the only CSV writer: every
text cell starting with ``= + - @``, a tab or a carriage return gets a leading single quote, as
OWASP advises for CSV injection; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.results import SubmissionResult

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # lets Excel read the file as UTF-8 (names in any script); Canvas and Moodle skip it


def spreadsheet_safe(value) -> str:
    """A cell as text that no spreadsheet runs: numbers as ``%g``, None as empty, text quoted if it
    could start a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence], bom: bool = True) -> Path:
    """Write ``header`` and ``rows`` as UTF-8 CSV (with a BOM unless ``bom`` is False), every cell
    through :func:`spreadsheet_safe`; the file is replaced atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent,
                                     prefix=f".{path.name}.", suffix=".tmp", delete=False) as handle:
        if bom:
            handle.write(BOM)
        writer = csv.writer(handle)
        writer.writerow([spreadsheet_safe(cell) for cell in header])
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    os.replace(handle.name, path)
    return path


def write_grades(results: list[SubmissionResult], path: Path, names: dict[str, str] | None = None) -> Path:
    """grades.csv: one row per student and assignment: id, name, when handed in, late, the tests' points,
    the late penalty, the score, the maximum, each test's points, the reason."""
    names = names or {}
    grade_ids = sorted({t.grade_id for r in results for t in r.tests})
    rows = []
    for r in sorted(results, key=lambda r: (r.assignment_id, r.student)):
        points = {t.grade_id: t.points for t in r.tests}
        late = r.lateness
        rows.append([r.student, names.get(r.student, ""), r.assignment_id, late.submitted_at,
                     "yes" if late.late else "no", r.raw_score, late.penalty, r.score, r.max_score,
                     *[points.get(g) for g in grade_ids], "; ".join(filter(None, [r.reason, late.why]))])
    header = ["student", "name", "assignment", "submitted_at", "late", "raw_score", "late_penalty", "score",
              "max_score", *grade_ids, "reason"]
    return write_table(path, header, rows)
