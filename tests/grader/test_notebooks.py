"""Assembling the notebook the grader runs: what comes from the course, what from the student."""

from __future__ import annotations

import copy

from autograder import checks as checks_api
from autograder.notebooks import SKIP_TAG, assemble
from autograder.spec import AssignmentNotebook


def _notebook(tiny_repo, tag_everything: bool):
    notebook = AssignmentNotebook.from_files(tiny_repo / "solutions" / "tiny" / "Tiny.ipynb",
                                             tiny_repo / "assignments" / "tiny" / "Tiny.ipynb")
    notebook = copy.deepcopy(notebook)
    for cell in notebook.release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if tag_everything or grade_id == "demo":
            cell.metadata.setdefault("tags", []).append(SKIP_TAG)
    return notebook


def test_cells_tagged_skip_when_grading_are_not_run(tiny_repo):
    checks = checks_api.load("tiny", "tests.grader.tiny_checks")
    assembled = assemble(_notebook(tiny_repo, False), {"answer_square": "def square(x):\n    return x * x"}, checks, 1)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in assembled.cells}
    assert sources["demo"].startswith("# skipped by the grader")
    assert "print" not in sources["demo"] and "repeats = 3" in sources["parameters"]


def test_answers_and_tests_run_even_when_tagged(tiny_repo):
    checks = checks_api.load("tiny", "tests.grader.tiny_checks")
    assembled = assemble(_notebook(tiny_repo, True), {"answer_square": "def square(x):\n    return x * x"}, checks, 1)
    sources = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in assembled.cells}
    assert sources["answer_square"] == "def square(x):\n    return x * x"
    assert "_grader.emit('test_square'" in sources["test_square"]
    assert "_grader.SEED = 1" in assembled.cells[0].source and "repeats = 3" in sources["parameters"]
