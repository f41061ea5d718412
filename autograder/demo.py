"""The demo's class: correct, partial, unanswered and hostile notebooks, handed in through an LMS.

:func:`write_lms_export` packs them as Canvas' or Moodle's submission download (one of them late),
:func:`write_policy` gives the course a due date and a late penalty; ``python -m autograder demo``
(:func:`autograder.cli.cmd_demo`) takes them through the instructor's commands.
"""

from __future__ import annotations

import copy
import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from autograder import lms
from autograder.lateness import POLICY_FILE
from autograder.spec import Assignment

# Who hands in each sample: the name the LMS shows and their LMS user (Canvas) or participant (Moodle) id.
STUDENTS = {
    "correct": ("Ana Lúcia Souza", "3001"),
    "partial": ("Bo Chen", "3002"),
    "unanswered": ("Chidi Okafor", "3003"),
    "hostile-loop": ("Dana Weiss", "3004"),
    "hostile-snoop": ("Émile Dubois", "3005"),
}
MARKER = ".autograder-demo"  # in the demo's folder: the demo replaces only a folder it made
LATE = "partial"  # handed in a day and a half after the due date
DUE = datetime(2024, 3, 1, 23, 59)  # in the policy's time zone, as an LMS zip's file times are
PERCENT_PER_DAY = 10

HOSTILE_SNOOP = '''import glob, os, sys
# Try to read the gradebook, the hidden tests and other students' work, then flood the output.
for pattern in ["/work/**/gradebook.db", "/**/autograder/checks/*.py", "/**/submitted/**/*.ipynb"]:
    print(pattern, glob.glob(pattern, recursive=True)[:3])
print("x" * 5_000_000)
'''
HOSTILE_LOOP = "while True:\n    pass\n"


def _with_answers(source: dict, answer_ids: list[str], replace: dict[str, str]) -> dict:
    notebook = copy.deepcopy(source)
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in replace:
            cell["source"] = replace[grade_id]
    return notebook


def sample_submissions(assignment: Assignment, release_path: Path) -> dict[str, dict]:
    """Name -> notebook JSON for each kind of submission the demo grades."""
    solution = json.loads(assignment.source_path.read_text())
    release = json.loads(release_path.read_text())
    stubs = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in release["cells"]
             if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    first, last = assignment.notebook.answer_ids[0], assignment.notebook.answer_ids[-1]
    first_solution = next("".join(c["source"]) for c in solution["cells"]
                          if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == first)
    return {
        "correct": solution,
        "partial": _with_answers(solution, assignment.notebook.answer_ids, {last: stubs[last]}),
        "unanswered": release,
        "hostile-loop": _with_answers(solution, assignment.notebook.answer_ids, {first: HOSTILE_LOOP}),
        "hostile-snoop": _with_answers(solution, assignment.notebook.answer_ids,
                                       {first: HOSTILE_SNOOP + first_solution}),
    }


def write_lms_export(samples: dict[str, dict], notebook_name: str, kind: str, path: Path) -> Path:
    """``samples`` (kind -> notebook) as ``kind``'s (:data:`lms.CANVAS`, :data:`lms.MOODLE`) submission
    download: Canvas' flat file names (``_LATE`` for the late one) or Moodle's participant folders; each
    file dated when it was handed in, a day before :data:`DUE`, the late one 36 hours after it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for number, (sample, notebook) in enumerate(samples.items(), start=5001):
            name, user = STUDENTS[sample]
            late = sample == LATE
            file = f"{notebook_name}.ipynb"
            entry = (lms.canvas_file_name(name, user, number, file, late) if kind == lms.CANVAS
                     else f"{lms.moodle_folder_name(name, user)}/{file}")
            handed_in = DUE + timedelta(hours=36) if late else DUE - timedelta(days=1)
            bundle.writestr(zipfile.ZipInfo(entry, handed_in.timetuple()[:6]), json.dumps(notebook))
    return path


def write_policy(course_dir: Path, assignment_id: str) -> Path:
    """The course's policy.json: :data:`DUE`, :data:`PERCENT_PER_DAY` off per started day late."""
    path = course_dir / POLICY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"timezone": "UTC", "assignments": {assignment_id: {
        "due": DUE.isoformat(sep=" ", timespec="minutes"), "penalty": "per_day",
        "percent_per_day": PERCENT_PER_DAY}}}, indent=1))
    return path
