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

from autograder import registry, untrusted
from autograder.checks import AssignmentChecks, prelude_source
from autograder.observations import MIME_TYPE
from autograder.spec import AssignmentNotebook

MAX_NOTEBOOK_BYTES = 20 * 2**20  # a submitted notebook
MAX_EXECUTED_BYTES = 64 * 2**20  # the notebook the sandbox hands back (outputs are capped inside)
MAX_ANSWER_CHARS = 200_000
CHECK_KEY = "cnn_grader"
SKIP_TAG = "skip-when-grading"  # a cell tag: no check needs this cell (training, plots), so grading skips it


class SubmissionError(Exception):
    """The submission cannot be graded at all; the message is shown to the student."""


def read_submission(path: Path) -> dict:
    """Parse an untrusted notebook file into plain JSON data (version 4), or raise SubmissionError."""
    try:
        data = untrusted.read_bytes(path, MAX_NOTEBOOK_BYTES)
    except untrusted.UntrustedDataError as error:
        raise SubmissionError(f"The notebook could not be read: {error}.") from None
    return parse_submission(data)


def parse_submission(data: bytes) -> dict:
    """Parse the bytes of an untrusted notebook into plain JSON data (version 4), or raise SubmissionError."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"The notebook is {len(data) / 2**20:.0f} MB; the limit is {MAX_NOTEBOOK_BYTES >> 20} MB.")
    if not data.strip():
        raise SubmissionError("The notebook file is empty.")
    try:
        notebook = untrusted.loads(data)
    except (untrusted.UntrustedDataError, UnicodeDecodeError) as error:
        raise SubmissionError(f"The file is not a valid notebook (invalid JSON: {error}).") from None
    if isinstance(notebook, dict) and notebook.get("nbformat") == 3 and isinstance(notebook.get("worksheets"), list):
        notebook = _upgraded(notebook)
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SubmissionError("The file is JSON but not a Jupyter notebook (no list of cells).")
    return notebook


def _upgraded(notebook: dict) -> dict:
    """A version-3 notebook (old Jupyter, some exporters) converted to version 4 by nbformat."""
    try:
        return json.loads(nbformat.writes(nbformat.convert(nbformat.from_dict(notebook), 4)))
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds on odd input
        raise SubmissionError(f"The notebook is in the old version-3 format and could not be upgraded "
                              f"({type(error).__name__}); save it again with a current Jupyter.") from None


def collect_answers(submission: dict, answer_ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """The student's code for each answer cell, plus notes on anything unusual."""
    answers: dict[str, str] = {}
    notes: list[str] = []
    wanted = set(answer_ids)
    for cell in submission["cells"]:
        if not isinstance(cell, dict):
            continue
        meta = registry.nbgrader_metadata(cell)
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


def assemble(notebook: AssignmentNotebook, answers: dict[str, str], checks: AssignmentChecks,
             seed: int) -> nbformat.NotebookNode:
    """The notebook to execute: release cells, the student's answers, observer test cells; cells the
    instructor tagged ``skip-when-grading`` are left out (never an answer, a test or the parameters cell)."""
    assembled = copy.deepcopy(notebook.release)
    cells = [nbformat.v4.new_code_cell(prelude_source(seed), metadata={CHECK_KEY: {"role": "prelude"}})]
    for cell in assembled.cells:
        meta = registry.nbgrader_metadata(cell)
        grade_id = meta.get("grade_id")
        if grade_id in answers and cell.cell_type == "code":
            cell.source = answers[grade_id]
        elif grade_id in checks.checks and meta.get("grade"):
            cell.source = checks.observer_source(grade_id)
            cell.metadata[CHECK_KEY] = {"check": grade_id}
        elif cell.cell_type == "code" and SKIP_TAG in (tags := cell.get("metadata", {}).get("tags", [])) \
                and "parameters" not in tags:
            cell.source = f"# skipped by the grader (the instructor tagged this cell '{SKIP_TAG}')"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    assembled.cells = cells
    return assembled


@dataclass
class Observations:
    """What an executed notebook reports: one payload per test cell, which test cells ran, the errors of the others."""

    payloads: dict[str, dict] = field(default_factory=dict)  # grade_id -> {"value": ...} or {"error": ...}
    ran: set[str] = field(default_factory=set)  # test cells that executed (observation or not)
    cell_errors: list[str] = field(default_factory=list)  # error outputs outside test cells (kept for logs)


def read_executed(path: Path) -> tuple[dict | None, bytes, str]:
    """The executed notebook the sandbox wrote (untrusted), its bytes, and why it is unusable if it is."""
    try:
        data = untrusted.read_bytes(path, MAX_EXECUTED_BYTES)
        notebook = untrusted.loads(data)
    except (untrusted.UntrustedDataError, UnicodeDecodeError) as error:
        return None, b"", f"The executed notebook could not be read back: {error}."
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None, b"", "The executed notebook could not be read back: it has no list of cells."
    return notebook, data, ""


def extract_observations(notebook: dict | None, expected: list[str]) -> Observations:
    """Each test cell's observation: accepted only from the cell of that test, and only once."""
    found = Observations()
    if notebook is None:
        return found
    counts: dict[str, int] = {}
    for cell in notebook["cells"]:
        if not isinstance(cell, dict):
            continue
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        role = meta.get(CHECK_KEY) if isinstance(meta.get(CHECK_KEY), dict) else {}
        outputs = [o for o in cell.get("outputs", []) if isinstance(o, dict)] if isinstance(
            cell.get("outputs"), list) else []
        check = role.get("check")
        if not isinstance(check, str) or check not in expected:
            found.cell_errors += [_error_text(o) for o in outputs if o.get("output_type") == "error"]
            continue
        counts[check] = counts.get(check, 0) + 1
        papermill = meta.get("papermill") if isinstance(meta.get("papermill"), dict) else {}
        if papermill.get("status") in ("completed", "failed") or isinstance(cell.get("execution_count"), int):
            found.ran.add(check)
        payloads = [o["data"][MIME_TYPE] for o in outputs
                    if isinstance(o.get("data"), dict) and MIME_TYPE in o["data"]]
        if counts[check] > 1 or len(payloads) > 1:
            found.payloads[check] = {"error": "the grader received more than one result for this test "
                                              "(something in your notebook displays extra output)"}
        elif payloads:
            payload = payloads[0]
            found.payloads[check] = (payload if isinstance(payload, dict) and payload.get("grade_id") == check
                                     else {"error": "the result of this test was not produced by its own check"})
    return found


def _error_text(output: dict) -> str:
    return f"{str(output.get('ename'))[:100]}: {str(output.get('evalue'))[:300]}"
