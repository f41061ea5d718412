"""Sample submissions for the demo: correct, partial, unanswered and hostile notebooks."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from autograder.grading import Assignment

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


def write_samples(assignment: Assignment, release_path: Path, course_dir: Path) -> list[str]:
    students = []
    for name, notebook in sample_submissions(assignment, release_path).items():
        folder = course_dir / "submitted" / name / assignment.assignment_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{assignment.notebook_name}.ipynb").write_text(json.dumps(notebook))
        students.append(name)
    return students
