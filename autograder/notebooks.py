"""Reading untrusted submissions and assembling the notebook the grader executes.

The executed notebook is rebuilt from the student release: every locked cell, the
``parameters`` cell and every test cell come from the course, whatever the student did to
them; only the code of answer cells (matched by nbgrader ``grade_id``) comes from the
student. Test cells are replaced by observer code (see :mod:`autograder.checks`).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.checks import AssignmentChecks, prelude_source

MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_ANSWER_CHARS = 200_000
CHECK_KEY = "cnn_grader"


class SubmissionError(Exception):
    """The submission cannot be graded at all; the message is shown to the student."""


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float


@dataclass
class AssignmentNotebook:
    """The course's version of one notebook: release cells, answer ids and test cells."""

    release: nbformat.NotebookNode
    answer_ids: list[str]
    tests: list[TestCell]

    @classmethod
    def from_files(cls, source_path: Path, release_path: Path) -> "AssignmentNotebook":
        source = nbformat.read(source_path, as_version=4)
        release = nbformat.read(release_path, as_version=4)
        answers, tests = [], []
        for cell in source.cells:
            meta = _nbgrader(cell)
            if meta.get("solution") and cell.cell_type == "code":
                answers.append(meta["grade_id"])
            elif meta.get("grade") and not meta.get("solution"):
                tests.append(TestCell(meta["grade_id"], float(meta.get("points", 0))))
        release_ids = {_nbgrader(c).get("grade_id") for c in release.cells}
        missing = [gid for gid in answers + [t.grade_id for t in tests] if gid not in release_ids]
        if missing:
            raise ValueError(f"{release_path} is stale: cells {missing} are missing; regenerate the release")
        return cls(release, answers, tests)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def read_submission(path: Path) -> dict:
    """Parse an untrusted notebook file into plain JSON data, or raise SubmissionError."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise SubmissionError(f"The notebook could not be read ({error.strerror}).") from None
    if size == 0:
        raise SubmissionError("The notebook file is empty.")
    if size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"The notebook is {size / 2**20:.0f} MB; the limit is {MAX_NOTEBOOK_BYTES >> 20} MB.")
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        raise SubmissionError(f"The file is not a valid notebook (invalid JSON: {error}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SubmissionError("The file is JSON but not a Jupyter notebook (no list of cells).")
    return data


def collect_answers(submission: dict, answer_ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """The student's code for each answer cell, plus notes on anything unusual."""
    answers: dict[str, str] = {}
    notes: list[str] = []
    wanted = set(answer_ids)
    for cell in submission["cells"]:
        if not isinstance(cell, dict):
            continue
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id")
        if not isinstance(grade_id, str) or grade_id not in wanted:
            continue
        if cell.get("cell_type") != "code":
            notes.append(f"Answer cell '{grade_id}' is not a code cell any more; it was graded as unanswered.")
            continue
        if grade_id in answers:
            notes.append(f"Answer cell '{grade_id}' appears more than once; the first copy was graded.")
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        if not isinstance(source, str):
            source = ""
        if len(source) > MAX_ANSWER_CHARS:
            notes.append(f"Answer cell '{grade_id}' is longer than {MAX_ANSWER_CHARS:,} characters; it was cut.")
            source = source[:MAX_ANSWER_CHARS]
        answers[grade_id] = source
    for grade_id in answer_ids:
        if grade_id not in answers and not any(grade_id in n for n in notes):
            notes.append(f"Answer cell '{grade_id}' was not found in your notebook; it was graded as unanswered.")
    return answers, notes


def answers_from_source(source_path: Path, answer_ids: list[str]) -> dict[str, str]:
    """The instructor's solution code for every answer cell (to build the references)."""
    source = json.loads(Path(source_path).read_text())
    answers, notes = collect_answers(source, answer_ids)
    if notes:
        raise ValueError(f"{source_path}: {notes}")
    return answers


def assemble(notebook: AssignmentNotebook, answers: dict[str, str], checks: AssignmentChecks) -> nbformat.NotebookNode:
    """The notebook to execute: release cells, the student's answers, observer test cells."""
    assembled = copy.deepcopy(notebook.release)
    cells = [nbformat.v4.new_code_cell(prelude_source(), metadata={CHECK_KEY: {"role": "prelude"}})]
    for cell in assembled.cells:
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id")
        if grade_id in answers and cell.cell_type == "code":
            cell.source = answers[grade_id]
        elif grade_id in checks.checks and meta.get("grade"):
            cell.source = checks.observer_source(grade_id)
            cell.metadata[CHECK_KEY] = {"check": grade_id}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    assembled.cells = cells
    return assembled


@dataclass
class Observations:
    payloads: dict[str, dict] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def extract_observations(executed_path: Path, mime_type: str) -> Observations:
    """Read the observation of each test cell from an executed (untrusted) notebook."""
    found = Observations()
    try:
        if executed_path.stat().st_size > 8 * MAX_NOTEBOOK_BYTES:
            found.errors.append("The executed notebook was too large to read.")
            return found
        data = json.loads(executed_path.read_bytes())
        cells = data["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        found.errors.append("The executed notebook could not be read back.")
        return found
    for cell in cells if isinstance(cells, list) else []:
        meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
        check = meta.get(CHECK_KEY, {}).get("check") if isinstance(meta.get(CHECK_KEY), dict) else None
        if not isinstance(check, str) or check in found.payloads:
            continue
        for output in cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else []:
            payload = output.get("data", {}).get(mime_type) if isinstance(output, dict) else None
            if isinstance(payload, dict) and payload.get("grade_id") == check:
                found.payloads[check] = payload
                break
    return found
